import { createContextKey, type Interceptor } from '@connectrpc/connect';
import { createMethodUrl } from '@connectrpc/connect/protocol';
import type { BreakerRegistry } from './breaker-registry.js';
import { normalizeBaseUrl } from './request-endpoint.js';

/**
 * triedEndpointsKey is the context value in which the balancer keeps the
 * endpoints a call has already tried, so that a retry goes elsewhere when it can.
 */
export const triedEndpointsKey = createContextKey<Set<string> | undefined>(undefined, { description: 'mesh tried endpoints' });

/** BalancerOptions configures createBalancerInterceptor. */
export interface BalancerOptions {
  /** Base URLs of the endpoints of one service; at least one. */
  endpoints: readonly string[];
  /** Breakers to consult: endpoints whose breaker would reject a call are skipped while others remain. */
  breakers?: BreakerRegistry;
  /**
   * Source of uniform numbers in [0, 1); injectable for tests.
   * @defaultValue Math.random
   */
  random?: () => number;
}

/** Balancer is the interceptor of createBalancerInterceptor plus a view of its load. */
export interface Balancer {
  readonly interceptor: Interceptor;
  /** outstanding returns the number of calls in flight per endpoint. */
  outstanding(): ReadonlyMap<string, number>;
}

/**
 * createBalancerInterceptor returns a balancer that sends each call (each
 * attempt, when it sits inside the retry interceptor) to one of several
 * endpoints by power of two choices: of two endpoints drawn at random, the one
 * with fewer calls in flight. Endpoints whose breaker would reject the call
 * are left out while any other remains; when none remains, all are candidates
 * and the breaker interceptor fails the call fast. A retry avoids the
 * endpoints its call already tried while others remain (Envoy's
 * "previous hosts" predicate), so one dead endpoint costs at most one attempt. It rewrites the request
 * URL, so the transport's HTTP client must serve every endpoint's origin.
 */
export function createBalancerInterceptor(options: BalancerOptions): Balancer {
  const endpoints = options.endpoints.map(normalizeBaseUrl);
  if (endpoints.length === 0) throw new RangeError('a balancer needs at least one endpoint');
  const random = options.random ?? Math.random;
  const inFlight = new Map(endpoints.map((endpoint) => [endpoint, 0]));

  const pick = (tried: ReadonlySet<string>): string => {
    const admitted = options.breakers ? endpoints.filter((e) => options.breakers!.admits(e)) : endpoints;
    const fresh = admitted.filter((e) => !tried.has(e));
    const candidates = fresh.length > 0 ? fresh : admitted.length > 0 ? admitted : endpoints;
    if (candidates.length === 1) return candidates[0]!;
    const first = Math.floor(random() * candidates.length) % candidates.length;
    // Draw the second among the others so the two choices differ.
    const second = (first + 1 + (Math.floor(random() * (candidates.length - 1)) % (candidates.length - 1))) % candidates.length;
    const a = candidates[first]!;
    const b = candidates[second]!;
    return inFlight.get(b)! < inFlight.get(a)! ? b : a;
  };

  const interceptor: Interceptor = (next) => async (req) => {
    let tried = req.contextValues.get(triedEndpointsKey);
    if (!tried) {
      tried = new Set();
      req.contextValues.set(triedEndpointsKey, tried);
    }
    const endpoint = pick(tried);
    tried.add(endpoint);
    inFlight.set(endpoint, inFlight.get(endpoint)! + 1);
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      inFlight.set(endpoint, inFlight.get(endpoint)! - 1);
    };
    const url = createMethodUrl(endpoint, req.method);
    if (!req.stream) {
      try {
        return await next({ ...req, url });
      } finally {
        settle();
      }
    }
    // connect-es aborts the call's signal when a stream ends, however it ends.
    req.signal.addEventListener('abort', settle, { once: true });
    try {
      return await next({ ...req, url });
    } catch (error) {
      settle();
      throw error;
    }
  };

  return { interceptor, outstanding: () => new Map(inFlight) };
}
