import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** fetchHeadersSetter lets a propagator write into fetch Headers (Connect request headers). */
export const fetchHeadersSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** fetchHeadersGetter lets a propagator read fetch Headers (Connect request headers). */
export const fetchHeadersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/** KafkaHeaders is the header map of a kafkajs message (IHeaders), without importing kafkajs. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** kafkaHeadersSetter lets a propagator write into a kafkajs header map. */
export const kafkaHeadersSetter: TextMapSetter<KafkaHeaders> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** kafkaHeadersGetter lets a propagator read a kafkajs header map, whose values arrive as Buffers. */
export const kafkaHeadersGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};
