import { fromBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import { defaultEventRegistry } from '../events/event-registry.js';
import type { DeadLetterEntry } from '../replay/index.js';

/** DeadLetterView is a dead letter as the CLI prints it: JSON-friendly, with the payload decoded when its event type is known. */
export interface DeadLetterView {
  record: string;
  dlqTopic: string;
  originTopic: string;
  origin: string | undefined;
  type: string | undefined;
  id: string | undefined;
  key: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  attempts: number | undefined;
  consumerGroup: string | undefined;
  failedAt: string | undefined;
  redriveCount: number;
  /** Set when the value was cut to fit the DLQ: the original length in bytes. */
  originalValueBytes: number | undefined;
  headers: Record<string, string>;
  /** payload is the decoded event when its ce_type is a known message, else the value in base64. */
  payload: JsonValue;
}

/** deadLetterView describes a DeadLetterEntry for printing; `record` (`<partition>:<offset>`) names it for `--record`. */
export function deadLetterView(entry: DeadLetterEntry): DeadLetterView {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.headers)) if (value !== undefined) headers[name] = String(value);
  return {
    record: `${entry.partition}:${entry.offset}`,
    dlqTopic: entry.dlqTopic,
    originTopic: entry.originTopic,
    origin: entry.originPartition === undefined ? undefined : `${entry.originPartition}:${entry.originOffset}`,
    type: entry.type,
    id: entry.id,
    key: entry.key?.toString('utf8'),
    errorCode: entry.errorCode,
    errorMessage: entry.errorMessage,
    attempts: entry.attempts,
    consumerGroup: entry.consumerGroup,
    failedAt: entry.failedAt?.toISOString() ?? new Date(entry.timestamp).toISOString(),
    redriveCount: entry.redriveCount,
    originalValueBytes: entry.originalValueBytes,
    headers,
    payload: decodePayload(entry),
  };
}

function decodePayload(entry: DeadLetterEntry): JsonValue {
  if (entry.value === null) return null;
  const desc = entry.type ? defaultEventRegistry.getMessage(entry.type) : undefined;
  if (desc) {
    try {
      return toJson(desc, fromBinary(desc, entry.value), { registry: defaultEventRegistry });
    } catch {
      // Not the message its type says: shown raw below.
    }
  }
  return { base64: entry.value.toString('base64') };
}
