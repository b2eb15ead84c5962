import type { Interceptor } from '@connectrpc/connect';
import { createContext, getContext, newSpanId, writeContextHeaders } from '../../context/index.js';
import { runInNewContext } from '../../context/request-context.js';
import { callNext } from './call-next.js';

/**
 * createContextInterceptor returns an interceptor that puts the current
 * request context (trace, correlation id, user, tenant, auth token) on every
 * outgoing call's headers, under a new span id per call, so the server can
 * restore it. A call made outside any context starts a fresh one, and inner
 * interceptors run inside it.
 */
export function createContextInterceptor(): Interceptor {
  // A plain function, not an async one (see callNext): a throw still comes out as a rejection.
  return (next) => (req) => {
    try {
      const current = getContext();
      const context = current ?? createContext();
      // The caller's span becomes the server's parent; each call is its own span.
      writeContextHeaders(context, req.header, newSpanId());
      return current ? callNext(next, req) : runInNewContext(context, () => callNext(next, req));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
