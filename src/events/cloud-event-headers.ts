/**
 * CloudEventHeaders names the record headers of the CloudEvents Kafka protocol
 * binding (binary content mode) that the event bus writes and reads. Values are
 * UTF-8 strings; the record value is the bare event message.
 */
export const CloudEventHeaders = {
  SPEC_VERSION: 'ce_specversion',
  ID: 'ce_id',
  /** The protobuf type name of the payload, e.g. `auth.v1.UserCreated`. */
  TYPE: 'ce_type',
  SOURCE: 'ce_source',
  /** RFC 3339 time of the occurrence. */
  TIME: 'ce_time',
  /** The aggregate id; also the record key. */
  SUBJECT: 'ce_subject',
  /** The binding maps `datacontenttype` to the plain `content-type` header. */
  CONTENT_TYPE: 'content-type',
  /** Extension attribute: the business flow this event belongs to. */
  CORRELATION_ID: 'ce_correlationid',
  /** Extension attribute: the event or request that caused this one. */
  CAUSATION_ID: 'ce_causationid',
  /** Extension attribute: the kind of aggregate, e.g. `user`. */
  AGGREGATE_TYPE: 'ce_aggregatetype',
  /** W3C Trace Context (the CloudEvents distributed-tracing extension uses these names). */
  TRACEPARENT: 'traceparent',
  TRACESTATE: 'tracestate',
} as const;

/** CLOUDEVENTS_SPEC_VERSION is the only CloudEvents version written and accepted. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** EventContentTypes are the payload encodings the bus writes. */
export const EventContentTypes = {
  PROTOBUF: 'application/protobuf',
  JSON: 'application/json',
} as const;

/** EventContentType is one of EventContentTypes. */
export type EventContentType = (typeof EventContentTypes)[keyof typeof EventContentTypes];

/** DEFAULT_EVENT_CONTENT_TYPE is binary protobuf: smallest and fastest. */
export const DEFAULT_EVENT_CONTENT_TYPE: EventContentType = EventContentTypes.PROTOBUF;

/** DEFAULT_SOURCE_PREFIX turns a bare service name into a CloudEvents source, `/mesh/<service>`. */
export const DEFAULT_SOURCE_PREFIX = '/mesh/';

/** eventSource returns `source` as a CloudEvents source: kept when it is already a URI-reference with a slash or scheme, else `/mesh/<source>`. */
export function eventSource(source: string): string {
  return source.includes('/') || source.includes(':') ? source : `${DEFAULT_SOURCE_PREFIX}${source}`;
}
