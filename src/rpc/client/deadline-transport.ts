import { createContextValues, type Transport } from '@connectrpc/connect';
import { headerTimeout as connectTimeoutHeader } from '@connectrpc/connect/protocol-connect';
import { headerTimeout as grpcTimeoutHeader } from '@connectrpc/connect/protocol-grpc';
import { getContextDeadline } from '../../context/index.js';
import { armedDeadlineKey } from '../interceptors/call-deadline.js';
import {
  callDeadline,
  configuredTimeoutMs,
  resolveDeadlineOptions,
  type DeadlineOptions,
} from '../interceptors/deadline-interceptor.js';

/**
 * MAX_ARMED_TIMEOUT_MS is the longest timeout connect-es can write itself:
 * it sends `<ms>m` in gRPC, where at most 8 digits are allowed. Longer ones
 * are left to the deadline interceptor, which switches units.
 */
export const MAX_ARMED_TIMEOUT_MS = 99_999_999;

/**
 * createDeadlineTransport returns `transport` with each unary call's
 * deadline (the caller's `timeoutMs`, else the method's configured timeout,
 * else the default, never past the request context's deadline: what
 * createDeadlineInterceptor computes) handed to connect-es as the call's
 * `timeoutMs`. connect-es then writes the timeout header and arms the call's
 * signal itself, as it does for every call anyway, and the deadline
 * interceptor (which must still be in the chain) only publishes the deadline
 * instead of rewriting the header and arming a second controller and timer:
 * one abort listener, controller and timer less per call.
 *
 * Calls it cannot hand over unchanged in meaning go through as they came, to
 * the interceptor: streams, calls whose own headers carry a timeout, and
 * budgets that are spent (the interceptor fails them, on the call's span),
 * fractional, or too long for connect-es's header.
 */
export function createDeadlineTransport(transport: Transport, options: DeadlineOptions = {}): Transport {
  const resolved = resolveDeadlineOptions(options);
  const minBudgetMs = Math.max(1, resolved.minBudgetMs);
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if (header === undefined || !hasTimeoutHeader(header)) {
        const start = resolved.now();
        // connect-es ignores a timeout of zero or less; so does the interceptor, which then reads no header.
        const own = timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : configuredTimeoutMs(resolved, method.parent, method, false);
        const deadline = callDeadline(start, own, getContextDeadline());
        const budget = deadline === undefined ? Number.NaN : deadline - start;
        if (Number.isInteger(budget) && budget >= minBudgetMs && budget <= MAX_ARMED_TIMEOUT_MS) {
          const values = contextValues ?? createContextValues();
          values.set(armedDeadlineKey, deadline);
          return transport.unary(method, signal, budget, header, input, values);
        }
      }
      return transport.unary(method, signal, timeoutMs, header, input, contextValues);
    },
    stream: (method, signal, timeoutMs, header, input, contextValues) => transport.stream(method, signal, timeoutMs, header, input, contextValues),
  };
}

// connect-es spells them Connect-Timeout-Ms and Grpc-Timeout; header names are case-insensitive.
const TIMEOUT_HEADERS: ReadonlySet<string> = new Set([connectTimeoutHeader.toLowerCase(), grpcTimeoutHeader.toLowerCase()]);

function hasTimeoutHeader(header: HeadersInit): boolean {
  if (header instanceof Headers) return header.has(connectTimeoutHeader) || header.has(grpcTimeoutHeader);
  const names = Array.isArray(header) ? header.map(([name]) => name) : Object.keys(header);
  return names.some((name) => TIMEOUT_HEADERS.has(name.toLowerCase()));
}
