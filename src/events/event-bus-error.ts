/**
 * EventErrorCode names every way an event can fail to be decoded or handled;
 * the same strings go into the `dlq-error-code` header of dead letters.
 */
export type EventErrorCode =
  /** A required CloudEvents header (ce_specversion, ce_id, ce_type, ce_source, content-type) is absent. */
  | 'MISSING_HEADER'
  | 'UNSUPPORTED_SPEC_VERSION'
  /** ce_type names no message of the bus's type registry. */
  | 'UNKNOWN_TYPE'
  /** content-type is neither protobuf nor JSON (structured mode is not supported). */
  | 'UNSUPPORTED_CONTENT_TYPE'
  /** The payload (or ce_time) does not parse as the declared type. */
  | 'DECODE_FAILED'
  /** The record's value is larger than the bus's maxEventBytes; it was not decoded. */
  | 'EVENT_TOO_LARGE'
  /** The handler kept failing after every retry. */
  | 'HANDLER_FAILED'
  /** The event could not be encoded (e.g. a JSON encoding needing a type the registry lacks). */
  | 'ENCODE_FAILED'
  /** The bus was closed. */
  | 'BUS_CLOSED';

/**
 * EventBusError is the one error class of src/events; `code` is stable, and
 * `cause` keeps the underlying error.
 */
export class EventBusError extends Error {
  override readonly name = 'EventBusError';

  constructor(
    readonly code: EventErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
