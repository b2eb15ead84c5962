import type { Interceptor } from '@connectrpc/connect';
import { createContext, getContext, runWithContext, writeContextHeaders } from '../../context/index.js';
import { randomHex } from './random-hex.js';

// W3C trace ids are 16 bytes, span ids 8.
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

/**
 * createContextInterceptor returns an interceptor that puts the current
 * request context (trace, correlation id, user, tenant, auth token) on every
 * outgoing call's headers, under a new span id per call, so the server can
 * restore it. A call made outside any context starts a fresh one, and inner
 * interceptors run inside it.
 */
export function createContextInterceptor(): Interceptor {
  return (next) => async (req) => {
    const current = getContext();
    // Ids come from randomHex's pool: newTraceId/newSpanId draw from the OS on every call.
    const context = current ?? createContext({ traceId: randomHex(TRACE_ID_BYTES) });
    // The caller's span becomes the server's parent; each call is its own span.
    writeContextHeaders(context, req.header, randomHex(SPAN_ID_BYTES));
    return current ? next(req) : runWithContext(context, () => next(req));
  };
}
