import { fromBinary, fromJsonString, toBinary, toJsonString, type DescMessage, type MessageShape, type Registry } from '@bufbuild/protobuf';
import { CLOUDEVENTS_SPEC_VERSION, CloudEventHeaders, EventContentTypes, type EventContentType } from './cloud-event-headers.js';
import { EventBusError } from './event-bus-error.js';
import { cloudEventAttribute } from './event-headers.js';

/** EventAttributes are the CloudEvents attributes of one event, as the bus writes them to headers. */
export interface EventAttributes {
  id: string;
  source: string;
  time: Date;
  /** The aggregate id; also the record key. */
  subject: string;
  contentType: EventContentType;
  correlationId?: string;
  causationId?: string;
  aggregateType?: string;
  traceparent?: string;
  tracestate?: string;
}

/** EncodedEvent is a record ready for a producer. */
export interface EncodedEvent {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** DecodedEnvelope is what decodeEvent reads from a record: the attributes and the typed payload. */
export interface DecodedEnvelope<Desc extends DescMessage = DescMessage> {
  id: string;
  type: string;
  source: string;
  time: Date | undefined;
  subject: string | undefined;
  contentType: EventContentType;
  correlationId: string | undefined;
  causationId: string | undefined;
  aggregateType: string | undefined;
  traceparent: string | undefined;
  tracestate: string | undefined;
  schema: Desc;
  payload: MessageShape<Desc>;
}

// toBinary returns a fresh array of the exact size: a Buffer view over it saves a copy per event.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// The last time rendered: the events of one publish call share one Date.
let lastTime = { ms: Number.NaN, text: '' };

function isoTime(time: Date): string {
  const ms = time.getTime();
  if (ms !== lastTime.ms) lastTime = { ms, text: time.toISOString() };
  return lastTime.text;
}

/**
 * encodeEvent renders one event in the CloudEvents Kafka binding, binary
 * mode: attributes in `ce_*` headers, `ce_type` from the schema's type name,
 * the bare message as the value, the aggregate id as the key.
 */
export function encodeEvent<Desc extends DescMessage>(schema: Desc, payload: MessageShape<Desc>, attributes: EventAttributes, registry?: Registry): EncodedEvent {
  let value: Buffer;
  try {
    value =
      attributes.contentType === EventContentTypes.JSON
        ? Buffer.from(toJsonString(schema, payload, registry ? { registry } : {}), 'utf8')
        : asBuffer(toBinary(schema, payload));
  } catch (error) {
    throw new EventBusError('ENCODE_FAILED', `cannot encode ${schema.typeName} as ${attributes.contentType}: ${(error as Error).message}`, { cause: error });
  }
  // Literal names, the values of CloudEventHeaders (a test checks they agree): V8 builds
  // an object literal with computed keys property by property, with literal keys at once.
  const headers: Record<string, string> = {
    ce_specversion: CLOUDEVENTS_SPEC_VERSION,
    ce_id: attributes.id,
    ce_type: schema.typeName,
    ce_source: attributes.source,
    ce_time: isoTime(attributes.time),
    ce_subject: attributes.subject,
    'content-type': attributes.contentType,
  };
  if (attributes.correlationId) headers[CloudEventHeaders.CORRELATION_ID] = attributes.correlationId;
  if (attributes.causationId) headers[CloudEventHeaders.CAUSATION_ID] = attributes.causationId;
  if (attributes.aggregateType) headers[CloudEventHeaders.AGGREGATE_TYPE] = attributes.aggregateType;
  if (attributes.traceparent) headers[CloudEventHeaders.TRACEPARENT] = attributes.traceparent;
  if (attributes.tracestate) headers[CloudEventHeaders.TRACESTATE] = attributes.tracestate;
  return { key: attributes.subject, value, headers };
}

/**
 * parseContentType maps a `content-type` header to the encoding it names,
 * ignoring parameters (`; charset=utf-8`) and case, and accepting the common
 * aliases other tools write; undefined for anything else.
 */
export function parseContentType(header: string): EventContentType | undefined {
  // What the bus itself writes, without splitting and lowercasing for every record.
  if (header === EventContentTypes.PROTOBUF || header === EventContentTypes.JSON) return header;
  const mediaType = header.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/protobuf' || mediaType === 'application/x-protobuf' || mediaType === 'application/vnd.google.protobuf') return EventContentTypes.PROTOBUF;
  if (mediaType === 'application/json' || mediaType === 'text/json') return EventContentTypes.JSON;
  return undefined;
}

function required(headers: Record<string, string>, name: string): string {
  const value = cloudEventAttribute(headers, name);
  if (value === undefined) throw new EventBusError('MISSING_HEADER', `the record has no ${name} header`);
  return value;
}

/**
 * eventType reads and checks `ce_specversion` and `ce_type` only: enough to
 * route or filter a record before decoding its payload.
 */
export function eventType(headers: Record<string, string>): string {
  const specVersion = required(headers, CloudEventHeaders.SPEC_VERSION);
  if (specVersion !== CLOUDEVENTS_SPEC_VERSION) {
    throw new EventBusError('UNSUPPORTED_SPEC_VERSION', `ce_specversion ${specVersion} is not supported (only ${CLOUDEVENTS_SPEC_VERSION})`);
  }
  return required(headers, CloudEventHeaders.TYPE);
}

/**
 * decodeEvent reads one record written in the CloudEvents Kafka binding
 * (binary mode) by the bus or by any other producer, resolving `ce_type`
 * through `registry`. `headers` are already strings (see readHeaders). It
 * throws an EventBusError with code MISSING_HEADER, UNSUPPORTED_SPEC_VERSION,
 * UNKNOWN_TYPE, UNSUPPORTED_CONTENT_TYPE or DECODE_FAILED.
 */
export function decodeEvent(value: Buffer | null, headers: Record<string, string>, registry: Registry): DecodedEnvelope {
  const type = eventType(headers);
  const id = required(headers, CloudEventHeaders.ID);
  const source = required(headers, CloudEventHeaders.SOURCE);
  const contentTypeHeader = cloudEventAttribute(headers, CloudEventHeaders.CONTENT_TYPE) ?? cloudEventAttribute(headers, 'ce_datacontenttype');
  if (contentTypeHeader === undefined) throw new EventBusError('MISSING_HEADER', `the record has no ${CloudEventHeaders.CONTENT_TYPE} header`);
  const contentType = parseContentType(contentTypeHeader);
  if (!contentType) throw new EventBusError('UNSUPPORTED_CONTENT_TYPE', `content-type ${contentTypeHeader} is not supported (binary mode with ${EventContentTypes.PROTOBUF} or ${EventContentTypes.JSON})`);
  const schema = registry.getMessage(type);
  if (!schema) throw new EventBusError('UNKNOWN_TYPE', `ce_type ${type} is not a known event type`);
  const timeHeader = cloudEventAttribute(headers, CloudEventHeaders.TIME);
  const time = timeHeader === undefined ? undefined : new Date(timeHeader);
  if (time && Number.isNaN(time.getTime())) throw new EventBusError('DECODE_FAILED', `ce_time ${timeHeader} is not an RFC 3339 time`);
  let payload: MessageShape<DescMessage>;
  try {
    if (contentType === EventContentTypes.JSON) {
      if (value === null) throw new Error('the record has no value');
      payload = fromJsonString(schema, value.toString('utf8'), { registry, ignoreUnknownFields: true });
    } else {
      payload = fromBinary(schema, value ?? new Uint8Array());
    }
  } catch (error) {
    throw new EventBusError('DECODE_FAILED', `the value is not a valid ${type} (${contentType}): ${(error as Error).message}`, { cause: error });
  }
  return {
    id,
    type,
    source,
    time,
    subject: cloudEventAttribute(headers, CloudEventHeaders.SUBJECT),
    contentType,
    correlationId: cloudEventAttribute(headers, CloudEventHeaders.CORRELATION_ID),
    causationId: cloudEventAttribute(headers, CloudEventHeaders.CAUSATION_ID),
    aggregateType: cloudEventAttribute(headers, CloudEventHeaders.AGGREGATE_TYPE),
    traceparent: cloudEventAttribute(headers, CloudEventHeaders.TRACEPARENT),
    tracestate: cloudEventAttribute(headers, CloudEventHeaders.TRACESTATE),
    schema,
    payload,
  };
}
