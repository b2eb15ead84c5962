import type { DescMessage } from '@bufbuild/protobuf';
import type { DecodedEnvelope } from './event-envelope.js';

/** ConsumedEvent is what a subscriber's handler gets: the decoded event and where its record was. */
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
