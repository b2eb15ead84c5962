// A test OTLP/HTTP receiver: a real node:http server on localhost that takes
// POST /v1/traces, /v1/metrics and /v1/logs in protobuf or JSON and decodes the
// real payload. The protobuf decoders are the ones OpenTelemetry generated from
// opentelemetry-proto and shipped in @opentelemetry/otlp-transformer 0.52
// (installed under the alias otlp-proto-0.52: later versions no longer ship them).
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

interface OtlpRequestType {
  decode(body: Uint8Array): unknown;
  toObject(message: unknown, options: object): Record<string, unknown>;
}
const otlp = createRequire(import.meta.url)('otlp-proto-0.52/build/src/generated/root.js').opentelemetry.proto.collector;
const requestTypes: Record<'/v1/traces' | '/v1/metrics' | '/v1/logs', OtlpRequestType> = {
  '/v1/traces': otlp.trace.v1.ExportTraceServiceRequest,
  '/v1/metrics': otlp.metrics.v1.ExportMetricsServiceRequest,
  '/v1/logs': otlp.logs.v1.ExportLogsServiceRequest,
};
type SignalPath = keyof typeof requestTypes;

/** Attributes are decoded OTLP key-values. */
export type Attributes = Record<string, unknown>;

/** ReceivedSpan is one span as the receiver decoded it; ids are lowercase hex. */
export interface ReceivedSpan {
  serviceName: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Attributes;
  events: { name: string; attributes: Attributes }[];
  links: { traceId: string; spanId: string }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
}

/** ReceivedPoint is one data point of a metric. */
export interface ReceivedPoint {
  attributes: Attributes;
  /** Gauge and sum value. */
  value?: number;
  /** Histogram count and sum. */
  count?: number;
  sum?: number;
}

/** ReceivedMetric is one metric of one export. */
export interface ReceivedMetric {
  serviceName: string;
  name: string;
  unit: string;
  type: 'gauge' | 'sum' | 'histogram' | 'other';
  points: ReceivedPoint[];
}

/** ReceivedLog is one log record. */
export interface ReceivedLog {
  serviceName: string;
  body: unknown;
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** ReceivedRequest records one export request as it arrived. */
export interface ReceivedRequest {
  path: string;
  contentType: string;
  bytes: number;
}

/** OtlpReceiver is a running receiver. */
export interface OtlpReceiver {
  /** url is the base URL to put in OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  readonly logs: ReceivedLog[];
  /** waitFor resolves once `predicate` holds after some request, or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** startOtlpReceiver starts a receiver on 127.0.0.1 and a free port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const logs: ReceivedLog[] = [];
  const waiters = new Set<() => void>();

  const server = createServer(async (req, res) => {
    const path = req.url?.split('?')[0] as SignalPath;
    const type = requestTypes[path];
    if (req.method !== 'POST' || !type) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readBody(req);
      const contentType = req.headers['content-type'] ?? '';
      const json = contentType.startsWith('application/json');
      const decoded = json ? JSON.parse(body.toString('utf8')) : type.toObject(type.decode(body), DECODE_OPTIONS);
      requests.push({ path, contentType, bytes: body.length });
      const ids = json ? (id: unknown) => String(id ?? '').toLowerCase() : base64ToHex;
      if (path === '/v1/traces') spans.push(...readSpans(decoded, ids));
      else if (path === '/v1/metrics') metrics.push(...readMetrics(decoded));
      else logs.push(...readLogs(decoded, ids));
      // An empty body is a valid (empty) Export*ServiceResponse in both encodings' terms.
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
    }
    for (const wake of [...waiters]) wake();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    metrics,
    logs,
    waitFor(predicate, timeoutMs = 10_000) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${requests.length} requests, ${spans.length} spans)`));
        }, timeoutMs);
        const check = () => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const DECODE_OPTIONS = { longs: String, enums: Number, bytes: String, defaults: false, arrays: true };

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

function base64ToHex(value: unknown): string {
  return value ? Buffer.from(String(value), 'base64').toString('hex') : '';
}

// Decoded OTLP is loosely typed JSON-like data; these readers pick the fields tests look at.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function anyValue(value: Json): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in value) return readAttributes(value.kvlistValue.values);
  if ('bytesValue' in value) return value.bytesValue;
  return undefined;
}

function readAttributes(list: Json[] | undefined): Attributes {
  return Object.fromEntries((list ?? []).map((kv: Json) => [kv.key, anyValue(kv.value)]));
}

function serviceNameOf(resource: Json): string {
  return String(readAttributes(resource?.attributes)['service.name'] ?? '');
}

function readSpans(request: Json, ids: (id: unknown) => string): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs: Json) =>
    (rs.scopeSpans ?? []).flatMap((ss: Json) =>
      (ss.spans ?? []).map(
        (span: Json): ReceivedSpan => ({
          serviceName: serviceNameOf(rs.resource),
          scope: ss.scope?.name ?? '',
          traceId: ids(span.traceId),
          spanId: ids(span.spanId),
          parentSpanId: ids(span.parentSpanId),
          name: span.name,
          kind: Number(span.kind ?? 0),
          attributes: readAttributes(span.attributes),
          events: (span.events ?? []).map((e: Json) => ({ name: e.name, attributes: readAttributes(e.attributes) })),
          links: (span.links ?? []).map((l: Json) => ({ traceId: ids(l.traceId), spanId: ids(l.spanId) })),
          status: { code: Number(span.status?.code ?? 0), ...(span.status?.message ? { message: span.status.message } : {}) },
        }),
      ),
    ),
  );
}

function readMetrics(request: Json): ReceivedMetric[] {
  return (request.resourceMetrics ?? []).flatMap((rm: Json) =>
    (rm.scopeMetrics ?? []).flatMap((sm: Json) =>
      (sm.metrics ?? []).map((metric: Json): ReceivedMetric => {
        const [type, data] = metric.gauge
          ? (['gauge', metric.gauge] as const)
          : metric.sum
            ? (['sum', metric.sum] as const)
            : metric.histogram
              ? (['histogram', metric.histogram] as const)
              : (['other', { dataPoints: [] }] as const);
        return {
          serviceName: serviceNameOf(rm.resource),
          name: metric.name,
          unit: metric.unit ?? '',
          type,
          points: (data.dataPoints ?? []).map((p: Json) => ({
            attributes: readAttributes(p.attributes),
            ...(p.asInt !== undefined ? { value: Number(p.asInt) } : {}),
            ...(p.asDouble !== undefined ? { value: Number(p.asDouble) } : {}),
            ...(p.count !== undefined ? { count: Number(p.count) } : {}),
            ...(p.sum !== undefined ? { sum: Number(p.sum) } : {}),
          })),
        };
      }),
    ),
  );
}

function readLogs(request: Json, ids: (id: unknown) => string): ReceivedLog[] {
  return (request.resourceLogs ?? []).flatMap((rl: Json) =>
    (rl.scopeLogs ?? []).flatMap((sl: Json) =>
      (sl.logRecords ?? []).map(
        (log: Json): ReceivedLog => ({
          serviceName: serviceNameOf(rl.resource),
          body: anyValue(log.body),
          traceId: ids(log.traceId),
          spanId: ids(log.spanId),
          attributes: readAttributes(log.attributes),
        }),
      ),
    ),
  );
}
