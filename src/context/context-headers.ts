import { createContext, type RequestContext } from './request-context.js';

/**
 * ContextHeaders names the headers that carry a RequestContext between
 * processes; traceparent follows W3C Trace Context so other tools join the trace.
 */
export const ContextHeaders = {
  TRACEPARENT: 'traceparent',
  CORRELATION_ID: 'x-correlation-id',
  USER_ID: 'x-user-id',
  TENANT_ID: 'x-tenant-id',
  AUTHORIZATION: 'authorization',
} as const;

const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);

/** HeaderWriter is the one method of Headers (fetch) or a Kafka header map this needs. */
export interface HeaderWriter {
  set(name: string, value: string): void;
}

/** HeaderReader is the one method of Headers (fetch) this needs. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** formatTraceparent renders a W3C traceparent for the context (sampled). */
export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

/** parseTraceparent returns trace and parent span id, or undefined when malformed. */
export function parseTraceparent(value: string | null | undefined): { traceId: string; spanId: string } | undefined {
  const match = value ? TRACEPARENT_PATTERN.exec(value.trim()) : null;
  if (!match || match[1] === INVALID_TRACE_ID) return undefined;
  return { traceId: match[1]!, spanId: match[2]! };
}

/**
 * writeContextHeaders puts a context on outgoing headers; `spanId` is the
 * caller's span, which becomes the receiver's parent.
 */
export function writeContextHeaders(context: RequestContext, headers: HeaderWriter, spanId: string): void {
  headers.set(ContextHeaders.TRACEPARENT, formatTraceparent(context.traceId, spanId));
  headers.set(ContextHeaders.CORRELATION_ID, context.correlationId);
  if (context.userId) headers.set(ContextHeaders.USER_ID, context.userId);
  if (context.tenantId) headers.set(ContextHeaders.TENANT_ID, context.tenantId);
  if (context.authToken) headers.set(ContextHeaders.AUTHORIZATION, `Bearer ${context.authToken}`);
}

/**
 * readContextHeaders rebuilds a context from incoming headers, starting a new
 * trace when none (or a malformed one) came in. `span` (the server span a
 * tracing interceptor made for the call) replaces the traceparent header,
 * which is then not parsed.
 */
export function readContextHeaders(headers: HeaderReader, span?: { traceId: string; spanId: string }): RequestContext {
  const parent = span ?? parseTraceparent(headers.get(ContextHeaders.TRACEPARENT));
  const authorization = headers.get(ContextHeaders.AUTHORIZATION);
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return createContext({
    traceId: parent?.traceId,
    spanId: parent?.spanId,
    correlationId: headers.get(ContextHeaders.CORRELATION_ID) ?? undefined,
    userId: headers.get(ContextHeaders.USER_ID) ?? undefined,
    tenantId: headers.get(ContextHeaders.TENANT_ID) ?? undefined,
    authToken: bearer,
  });
}
