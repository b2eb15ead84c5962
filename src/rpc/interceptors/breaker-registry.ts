import {
  CircuitBreaker,
  CircuitState,
  DEFAULT_HALF_OPEN_MAX_PROBES,
  DEFAULT_RESET_TIMEOUT,
  type CircuitBreakerOptions,
  type CircuitStateChange,
  type Disposable,
} from '../../resilience/index.js';
import type { Code } from '@connectrpc/connect';
import { createIsBreakerFailure, DEFAULT_BREAKER_FAILURE_CODES } from './breaker-failure-codes.js';
import { normalizeBaseUrl } from './request-endpoint.js';

/** MAX_REMEMBERED_ENDPOINT_SPELLINGS bounds how many spellings of endpoints a registry remembers; past it, it starts over. */
export const MAX_REMEMBERED_ENDPOINT_SPELLINGS = 1024;

/** BreakerOptions configures the circuit breakers of a BreakerRegistry (one per endpoint). */
export interface BreakerOptions extends Omit<CircuitBreakerOptions, 'name' | 'isFailure' | 'initialState'> {
  /**
   * Codes that count as failures; any other outcome counts as a success.
   * @defaultValue DEFAULT_BREAKER_FAILURE_CODES (Unavailable, DeadlineExceeded, Internal, Unknown, ResourceExhausted)
   */
  failureCodes?: readonly Code[];
  /**
   * Prefix of breaker names; a breaker is named `<name>@<endpoint>`.
   * @defaultValue `'rpc'`
   */
  name?: string;
}

/** EndpointStateChange is a breaker transition together with the endpoint it guards. */
export interface EndpointStateChange extends CircuitStateChange {
  readonly endpoint: string;
}

/**
 * BreakerRegistry holds one CircuitBreaker per endpoint (base URL), created on
 * first use, and reports every transition of any of them. The breaker
 * interceptor guards calls with it; the balancer asks it which endpoints admit calls.
 */
export interface BreakerRegistry {
  /** get returns the breaker of `endpoint`, creating it if needed. */
  get(endpoint: string): CircuitBreaker;
  /** admits tells whether the breaker of `endpoint` would let a call through now. */
  admits(endpoint: string): boolean;
  /** breakers returns every breaker created so far, by endpoint. */
  breakers(): ReadonlyMap<string, CircuitBreaker>;
  /** onStateChange calls `listener` on every transition of any breaker; dispose the result to stop. */
  onStateChange(listener: (change: EndpointStateChange) => void): Disposable;
}

/** createBreakerRegistry returns an empty BreakerRegistry whose breakers share `options`. */
export function createBreakerRegistry(options: BreakerOptions = {}): BreakerRegistry {
  const { failureCodes = DEFAULT_BREAKER_FAILURE_CODES, name = 'rpc', ...breakerOptions } = options;
  const isFailure = createIsBreakerFailure(failureCodes);
  const resetTimeout = options.resetTimeout ?? DEFAULT_RESET_TIMEOUT;
  const maxProbes = options.halfOpenMaxProbes ?? DEFAULT_HALF_OPEN_MAX_PROBES;
  const now = options.now ?? Date.now;
  const byEndpoint = new Map<string, CircuitBreaker>();
  const listeners = new Set<(change: EndpointStateChange) => void>();

  // Breakers are never dropped, so the breaker of an endpoint as written can
  // be remembered: normalising it costs a regular expression on every call.
  const byWritten = new Map<string, CircuitBreaker>();

  const get = (endpoint: string): CircuitBreaker => {
    const known = byWritten.get(endpoint);
    if (known !== undefined) return known;
    const key = normalizeBaseUrl(endpoint);
    let breaker = byEndpoint.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker({ ...breakerOptions, name: `${name}@${key}`, isFailure });
      breaker.onStateChange((change) => {
        for (const listener of [...listeners]) listener({ ...change, endpoint: key });
      });
      byEndpoint.set(key, breaker);
    }
    if (byWritten.size >= MAX_REMEMBERED_ENDPOINT_SPELLINGS) byWritten.clear();
    byWritten.set(endpoint, breaker);
    return breaker;
  };

  return {
    get,
    admits(endpoint) {
      const state = get(endpoint).state;
      switch (state.state) {
        case CircuitState.CLOSED:
          return true;
        case CircuitState.HALF_OPEN:
          return state.inFlightProbes < maxProbes;
        case CircuitState.OPEN:
          // An elapsed reset timeout turns OPEN into HALF_OPEN at the next acquire.
          return !state.isolated && now() - state.openedAt >= resetTimeout;
      }
    },
    breakers: () => new Map(byEndpoint),
    onStateChange(listener) {
      const entry = (change: EndpointStateChange): void => listener(change);
      listeners.add(entry);
      return { dispose: () => void listeners.delete(entry) };
    },
  };
}
