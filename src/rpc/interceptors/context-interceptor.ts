import type { Interceptor } from '@connectrpc/connect';
import { createContext, getContext, newSpanId, writeContextHeaders } from '../../context/index.js';
import { runInNewContext } from '../../context/request-context.js';
import { callNext } from './call-next.js';

/** ALWAYS_READ_CONTEXT is the default of `innerReadsContext`: assume something inside reads the context. */
export const ALWAYS_READ_CONTEXT = (): boolean => true;

/** ContextInterceptorOptions configures createContextInterceptor. */
export interface ContextInterceptorOptions {
  /**
   * Tells, per call, whether anything inside this interceptor may read the
   * request context (getContext, or OpenTelemetry's active context). When it
   * says no, a call made outside any context still carries a fresh one in
   * its headers, but the inner interceptors are not run inside it: the
   * AsyncLocalStorage `run` and the context it holds cost a share of every
   * such call, for no one to see.
   * @defaultValue ALWAYS_READ_CONTEXT (always run inside it)
   */
  innerReadsContext?: () => boolean;
}

/**
 * createContextInterceptor returns an interceptor that puts the current
 * request context (trace, correlation id, user, tenant, auth token) on every
 * outgoing call's headers, under a new span id per call, so the server can
 * restore it. A call made outside any context starts a fresh one, and inner
 * interceptors run inside it (unless `innerReadsContext` says none reads it).
 */
export function createContextInterceptor(options: ContextInterceptorOptions = {}): Interceptor {
  const innerReadsContext = options.innerReadsContext ?? ALWAYS_READ_CONTEXT;
  // A plain function, not an async one (see callNext): a throw still comes out as a rejection.
  return (next) => (req) => {
    try {
      const current = getContext();
      const context = current ?? createContext();
      // The caller's span becomes the server's parent; each call is its own span.
      writeContextHeaders(context, req.header, newSpanId());
      return current || !innerReadsContext() ? callNext(next, req) : runInNewContext(context, () => callNext(next, req));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
