import type { DescMessage } from '@bufbuild/protobuf';
import type { DecodedEnvelope } from './event-envelope.js';

/**
 * ConsumedEvent is what a subscriber's handler gets: the decoded event and
 * where its record was.
 *
 * The bus checks every record before its handler runs (headers, type,
 * content type, ce_time, and the protobuf payload's wire structure), so a
 * record that is not an event never reaches a handler: it is dead-lettered
 * at once. The protobuf payload itself, the attributes routing and the
 * request context do not need (source, subject, causationId, aggregateType,
 * tracestate), the key and the header table are decoded on first access and
 * kept, as Karafka deserializes lazily: a handler that filters on the type
 * or the id pays for no decoding it does not use. A payload that is sound on
 * the wire but still not a valid message (a string field that is not UTF-8,
 * a broken nested message) throws an EventBusError DECODE_FAILED when read;
 * the bus then dead-letters the record at once with that reason, not
 * retrying it, even if the handler caught the error. A handler that never
 * reads such a payload handles the event like any other: it had all it used.
 * The lazy fields are getters: a spread copy (`{ ...event }`) lacks them,
 * JSON.stringify has them.
 */
export interface ConsumedEvent<Desc extends DescMessage = DescMessage> extends DecodedEnvelope<Desc> {
  topic: string;
  /** The topic without the bus's topic prefix. */
  channel: string;
  partition: number;
  offset: string;
  key: string | undefined;
  /** Every header of the record, as strings under lowercase names. */
  headers: Record<string, string>;
}

/** EventHandler handles one event; a throw is retried with backoff and then dead-lettered. */
export type EventHandler<Desc extends DescMessage = DescMessage> = (event: ConsumedEvent<Desc>) => Promise<void>;

/** isEventOf narrows an event to one schema, for handlers subscribed to several types. */
export function isEventOf<Desc extends DescMessage>(event: ConsumedEvent, schema: Desc): event is ConsumedEvent<Desc> {
  return event.schema.typeName === schema.typeName;
}
