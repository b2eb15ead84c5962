import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { BrokenCircuitError, type CircuitPermit } from '../../resilience/index.js';
import { createBreakerRegistry, type BreakerOptions, type BreakerRegistry } from './breaker-registry.js';
import { endpointOfRequest } from './request-endpoint.js';

/** BreakerInterceptorOptions configures createBreakerInterceptor: a registry to share, or options for a new one. */
export type BreakerInterceptorOptions = { registry: BreakerRegistry } | BreakerOptions;

/**
 * createBreakerInterceptor returns an interceptor that guards each call with
 * the circuit breaker of the endpoint it goes to (the request URL's base).
 * An open breaker fails the call at once, without a network call, with
 * Unavailable naming the breaker (its cause is the BrokenCircuitError).
 * Outcomes count by code (see DEFAULT_BREAKER_FAILURE_CODES); a call the
 * caller cancelled counts for nothing. A streaming call is judged by how it
 * starts: the response headers arriving count as a success.
 */
export function createBreakerInterceptor(options: BreakerInterceptorOptions = {}): Interceptor {
  const registry = 'registry' in options ? options.registry : createBreakerRegistry(options);
  return (next) => async (req) => {
    const breaker = registry.get(endpointOfRequest(req));
    let permit: CircuitPermit;
    try {
      permit = breaker.acquire();
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new ConnectError(error.message, Code.Unavailable, undefined, undefined, error);
      }
      throw error;
    }
    try {
      const res = await next(req);
      permit.success();
      return res;
    } catch (error) {
      if (ConnectError.from(error).code === Code.Canceled && req.signal.aborted) permit.release();
      else permit.recordError(error);
      throw error;
    }
  };
}
