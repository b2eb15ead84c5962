import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

/** SagaCodec turns a saga input or a step result into the bytes of the saga log and back. */
export interface SagaCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const BIGINT_TAG = '$bigint';

/**
 * jsonCodec stores values as UTF-8 JSON; bigints (protobuf int64, Money
 * units) survive as `{"$bigint": "…"}`. `undefined` results are stored as
 * empty bytes.
 */
export function jsonCodec<T>(): SagaCodec<T> {
  return {
    encode(value) {
      if (value === undefined) return new Uint8Array();
      const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? { [BIGINT_TAG]: item.toString() } : item));
      return new TextEncoder().encode(text);
    },
    decode(bytes) {
      if (bytes.length === 0) return undefined as T;
      return JSON.parse(new TextDecoder().decode(bytes), (_key, item: unknown) => {
        if (item !== null && typeof item === 'object' && Object.keys(item).length === 1 && BIGINT_TAG in item) {
          return BigInt((item as Record<string, string>)[BIGINT_TAG]!);
        }
        return item;
      }) as T;
    },
  };
}

/** protobufCodec stores a generated message in its binary form. */
export function protobufCodec<Desc extends DescMessage>(schema: Desc): SagaCodec<MessageShape<Desc>> {
  return {
    encode: (value) => toBinary(schema, value),
    decode: (bytes) => fromBinary(schema, bytes),
  };
}
