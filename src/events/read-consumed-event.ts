import { fromBinary, fromJsonString, type DescMessage, type MessageShape, type Registry } from '@bufbuild/protobuf';
import type { IHeaders } from 'kafkajs';
import type { ConsumedRecord } from '../kafka/index.js';
import { CLOUDEVENTS_SPEC_VERSION, CloudEventHeaders, EventContentTypes, type EventContentType } from './cloud-event-headers.js';
import type { ConsumedEvent } from './consumed-event.js';
import { EventBusError } from './event-bus-error.js';
import { parseContentType } from './event-envelope.js';
import { cloudEventAttribute, readHeaders } from './event-headers.js';
import { checkProtobufWire } from './protobuf-wire-check.js';

// ignoreBOM keeps a leading BOM, as Buffer#toString and readHeaders do.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const SPEC_VERSION_BYTES = Buffer.from(CLOUDEVENTS_SPEC_VERSION);
const PROTOBUF_BYTES = Buffer.from(EventContentTypes.PROTOBUF);

type RawHeader = IHeaders[string];

function text(raw: RawHeader): string | undefined {
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? utf8.decode(value) : String(value);
}

/** bytesAre compares a header's bytes with a constant without decoding them; false when it cannot tell (a string, an array). */
function bytesAre(raw: RawHeader, expected: Buffer): boolean {
  if (!Buffer.isBuffer(raw) || raw.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (raw[i] !== expected[i]) return false;
  return true;
}

/** isKafkaSpelling tells whether readHeaders keeps a name as it is and cloudEventAttribute finds it under its Kafka spelling: lowercase ASCII, not `ce-…`. */
function isKafkaSpelling(name: string): boolean {
  if (name.charCodeAt(0) === 0x63 && name.charCodeAt(1) === 0x65 && name.charCodeAt(2) === 0x2d) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if ((code >= 0x41 && code <= 0x5a) || code > 0x7f) return false;
  }
  return true;
}

// The names of the last record found to have only Kafka spellings: the records of one
// producer carry the same names in the same order, and comparing is cheaper than checking.
let lastKafkaSpelled: string[] = [];

/** hasOnlyKafkaSpellings tells whether every header name is a Kafka spelling: a name missing then is missing under every spelling. */
function hasOnlyKafkaSpellings(headers: IHeaders): boolean {
  const names = Object.keys(headers);
  if (names.length === lastKafkaSpelled.length) {
    let same = true;
    for (let i = 0; i < names.length && same; i++) same = names[i] === lastKafkaSpelled[i];
    if (same) return true;
  }
  for (const name of names) if (!isKafkaSpelling(name)) return false;
  lastKafkaSpelled = names;
  return true;
}

/** isPresent tells, without decoding, that a header holds a value that is not blank once trimmed: its first byte is printable ASCII. */
function isPresent(raw: RawHeader): boolean {
  return Buffer.isBuffer(raw) && raw.length > 0 && raw[0]! > 0x20 && raw[0]! < 0x7f;
}

/**
 * LastText remembers the last bytes decoded for one header, for the
 * attributes most records of a topic share (the type, and the time of the
 * events of one publish call): comparing the bytes is cheaper than decoding them.
 */
class LastText<T> {
  #bytes = Buffer.alloc(0);
  #value: T | undefined;

  get(raw: RawHeader): T | undefined {
    return bytesAre(raw, this.#bytes) ? this.#value : undefined;
  }

  set(raw: RawHeader, value: T): void {
    if (!Buffer.isBuffer(raw)) return;
    this.#bytes = Buffer.from(raw);
    this.#value = value;
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new EventBusError('MISSING_HEADER', `the record has no ${name} header`);
  return value;
}

function decodeFailure(type: string, contentType: EventContentType, error: unknown): EventBusError {
  return new EventBusError('DECODE_FAILED', `the value is not a valid ${type} (${contentType}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

const lastType = new LastText<string>();
const lastTime = new LastText<number>();

function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new EventBusError('DECODE_FAILED', `ce_time ${value} is not an RFC 3339 time`);
  return time;
}

/** headerAttribute reads a CloudEvents attribute as cloudEventAttribute(readHeaders(headers), name) would, decoding only that header when it can. */
function headerAttribute(headers: IHeaders, name: string): string | undefined {
  // A header without a value (an empty array) is absent to readHeaders too: the other spelling may then hold it.
  const value = text(headers[name]);
  if (value === undefined) return hasOnlyKafkaSpellings(headers) ? undefined : cloudEventAttribute(readHeaders(headers), name);
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * recordEventType is eventType(readHeaders(headers)) without decoding the
 * whole header table: it checks ce_specversion and returns ce_type, with the
 * same error codes, comparing bytes and reusing the last decoded type where it can.
 */
export function recordEventType(headers: IHeaders): string {
  if (!bytesAre(headers[CloudEventHeaders.SPEC_VERSION], SPEC_VERSION_BYTES)) {
    const specVersion = required(headerAttribute(headers, CloudEventHeaders.SPEC_VERSION), CloudEventHeaders.SPEC_VERSION);
    if (specVersion !== CLOUDEVENTS_SPEC_VERSION) {
      throw new EventBusError('UNSUPPORTED_SPEC_VERSION', `ce_specversion ${specVersion} is not supported (only ${CLOUDEVENTS_SPEC_VERSION})`);
    }
  }
  let type = lastType.get(headers[CloudEventHeaders.TYPE]);
  if (type === undefined) {
    type = required(headerAttribute(headers, CloudEventHeaders.TYPE), CloudEventHeaders.TYPE);
    lastType.set(headers[CloudEventHeaders.TYPE], type);
  }
  return type;
}

const NOT_READ = Symbol('not read');

/**
 * RecordEvent is the ConsumedEvent the bus hands to handlers. What routing,
 * dedupe and the request context need is read when it is made; the payload,
 * the other attributes, the key and the header table are read on first
 * access and kept: Karafka's lazy deserialization. Those are getters on the
 * prototype, so a spread copy (`{ ...event }`) has only the eager fields;
 * toJSON has them all.
 */
class RecordEvent implements ConsumedEvent {
  readonly id: string;
  readonly type: string;
  readonly time: Date | undefined;
  readonly contentType: EventContentType;
  readonly correlationId: string | undefined;
  readonly traceparent: string | undefined;
  readonly schema: DescMessage;
  readonly topic: string;
  readonly channel: string;
  readonly partition: number;
  readonly offset: string;
  #record: ConsumedRecord;
  #table: Record<string, string> | undefined;
  /** Whether every header name is spelled as readHeaders would key it: a missing name is then missing. */
  #kafkaSpelling: boolean | undefined;
  #payload: MessageShape<DescMessage> | typeof NOT_READ = NOT_READ;
  #decodeFailure: EventBusError | undefined;
  #source: string | undefined;
  #key: string | undefined | typeof NOT_READ = NOT_READ;

  constructor(record: ConsumedRecord, channel: string, registry: Registry) {
    this.#record = record;
    this.topic = record.topic;
    this.channel = channel;
    this.partition = record.partition;
    this.offset = record.offset;
    // The checks and their order are decodeEvent's, so a record fails with the same code either way.
    const headers = record.headers;
    const type = recordEventType(headers);
    this.type = type;
    this.id = required(this.attribute(CloudEventHeaders.ID), CloudEventHeaders.ID);
    // Only whether it is there: its value is decoded when read.
    if (!isPresent(headers[CloudEventHeaders.SOURCE])) required(this.attribute(CloudEventHeaders.SOURCE), CloudEventHeaders.SOURCE);
    let contentType: EventContentType | undefined = EventContentTypes.PROTOBUF;
    if (!bytesAre(headers[CloudEventHeaders.CONTENT_TYPE], PROTOBUF_BYTES)) {
      const header = this.attribute(CloudEventHeaders.CONTENT_TYPE) ?? this.attribute('ce_datacontenttype');
      if (header === undefined) throw new EventBusError('MISSING_HEADER', `the record has no ${CloudEventHeaders.CONTENT_TYPE} header`);
      contentType = parseContentType(header);
      if (!contentType) {
        throw new EventBusError('UNSUPPORTED_CONTENT_TYPE', `content-type ${header} is not supported (binary mode with ${EventContentTypes.PROTOBUF} or ${EventContentTypes.JSON})`);
      }
    }
    this.contentType = contentType;
    const schema = registry.getMessage(type);
    if (!schema) throw new EventBusError('UNKNOWN_TYPE', `ce_type ${type} is not a known event type`);
    this.schema = schema;
    const ms = lastTime.get(headers[CloudEventHeaders.TIME]);
    if (ms === undefined) {
      this.time = parseTime(this.attribute(CloudEventHeaders.TIME));
      if (this.time) lastTime.set(headers[CloudEventHeaders.TIME], this.time.getTime());
    } else {
      // A Date of its own per event: a handler may change it.
      this.time = new Date(ms);
    }
    const value = record.value;
    if (contentType === EventContentTypes.JSON) {
      // JSON has no cheap structural check: it is parsed here, as before.
      try {
        if (value === null) throw new Error('the record has no value');
        this.#payload = fromJsonString(schema, value.toString('utf8'), { registry, ignoreUnknownFields: true });
      } catch (error) {
        throw decodeFailure(type, contentType, error);
      }
    } else if (value !== null && value.length > 0) {
      const malformed = checkProtobufWire(value);
      if (malformed !== undefined) throw decodeFailure(type, contentType, new Error(malformed));
    }
    this.correlationId = this.attribute(CloudEventHeaders.CORRELATION_ID);
    this.traceparent = this.attribute(CloudEventHeaders.TRACEPARENT);
  }

  /** attribute reads a CloudEvents attribute as cloudEventAttribute(readHeaders(headers), name) would, decoding only that header when it can. */
  private attribute(name: string): string | undefined {
    // As in headerAttribute, a header without a value (an empty array) counts as absent.
    const value = text(this.#record.headers[name]);
    if (value === undefined) {
      this.#kafkaSpelling ??= hasOnlyKafkaSpellings(this.#record.headers);
      if (this.#kafkaSpelling) return undefined;
      return cloudEventAttribute(this.headers, name);
    }
    const trimmed = value.trim();
    return trimmed ? trimmed : undefined;
  }

  get payload(): MessageShape<DescMessage> {
    if (this.#payload !== NOT_READ) return this.#payload;
    if (this.#decodeFailure) throw this.#decodeFailure;
    try {
      this.#payload = fromBinary(this.schema, this.#record.value ?? new Uint8Array());
    } catch (error) {
      this.#decodeFailure = decodeFailure(this.type, this.contentType, error);
      throw this.#decodeFailure;
    }
    return this.#payload;
  }

  /** decodeFailure is the error reading the payload raised, if it did. */
  get decodeFailure(): EventBusError | undefined {
    return this.#decodeFailure;
  }

  get source(): string {
    // Checked when the event was made.
    return (this.#source ??= this.attribute(CloudEventHeaders.SOURCE)!);
  }

  get subject(): string | undefined {
    return this.attribute(CloudEventHeaders.SUBJECT);
  }

  get causationId(): string | undefined {
    return this.attribute(CloudEventHeaders.CAUSATION_ID);
  }

  get aggregateType(): string | undefined {
    return this.attribute(CloudEventHeaders.AGGREGATE_TYPE);
  }

  get tracestate(): string | undefined {
    return this.attribute(CloudEventHeaders.TRACESTATE);
  }

  get key(): string | undefined {
    if (this.#key === NOT_READ) this.#key = this.#record.key?.toString('utf8');
    return this.#key;
  }

  get headers(): Record<string, string> {
    return (this.#table ??= readHeaders(this.#record.headers));
  }

  toJSON(): Record<string, unknown> {
    const { id, type, source, time, subject, contentType, correlationId, causationId, aggregateType, traceparent, tracestate, schema, topic, channel, partition, offset, key, headers } = this;
    return { id, type, source, time, subject, contentType, correlationId, causationId, aggregateType, traceparent, tracestate, schema: schema.typeName, payload: this.payload, topic, channel, partition, offset, key, headers };
  }
}

/**
 * readConsumedEvent makes the event a handler gets from a record in the
 * CloudEvents Kafka binding. It checks up front everything decodeEvent
 * checks, with the same error codes and messages, except that a protobuf
 * payload is only checked for a sound wire structure (checkProtobufWire) and
 * decoded on first access of `payload`. A payload that then fails to decode
 * throws an EventBusError DECODE_FAILED from the getter, every time it is
 * read, and payloadDecodeFailure(event) reports it, so the bus can dead-letter
 * the record even when the handler caught the error. A JSON payload is
 * parsed up front.
 */
export function readConsumedEvent(record: ConsumedRecord, channel: string, registry: Registry): ConsumedEvent {
  return new RecordEvent(record, channel, registry);
}

/** payloadDecodeFailure returns the DECODE_FAILED error reading `event.payload` raised, if the event came from readConsumedEvent and it did. */
export function payloadDecodeFailure(event: ConsumedEvent): EventBusError | undefined {
  return event instanceof RecordEvent ? event.decodeFailure : undefined;
}
