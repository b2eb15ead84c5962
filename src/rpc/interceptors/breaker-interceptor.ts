import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { BrokenCircuitError, type CircuitPermit } from '../../resilience/index.js';
import { createBreakerRegistry, type BreakerOptions, type BreakerRegistry } from './breaker-registry.js';
import { callNext } from './call-next.js';
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
  // A plain function and one `then`, not async/await (see callNext): a throw still comes out as a rejection.
  return (next) => (req) => {
    let permit: CircuitPermit;
    try {
      permit = registry.get(endpointOfRequest(req)).acquire();
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        return Promise.reject(new ConnectError(error.message, Code.Unavailable, undefined, undefined, error));
      }
      return Promise.reject(error);
    }
    return callNext(next, req).then(
      (res) => {
        permit.success();
        return res;
      },
      (error: unknown) => {
        if (ConnectError.from(error).code === Code.Canceled && req.signal.aborted) permit.release();
        else permit.recordError(error);
        throw error;
      },
    );
  };
}
