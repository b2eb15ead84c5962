import { createContextKey, type ContextValues } from '@connectrpc/connect';
import { readTimeoutHeader } from './timeout-header.js';

/**
 * callDeadlineKey is the context value under which the deadline interceptor
 * publishes the absolute deadline of a call (epoch milliseconds), so that
 * inner interceptors (retry) budget their attempts against it.
 */
export const callDeadlineKey = createContextKey<number | undefined>(undefined, { description: 'mesh call deadline' });

/**
 * armedDeadlineKey is the context value under which createDeadlineTransport
 * tells the deadline interceptor that connect-es already armed the call's
 * signal and wrote its timeout header for this absolute deadline (epoch
 * milliseconds), so the interceptor need not arm a second timer.
 */
export const armedDeadlineKey = createContextKey<number | undefined>(undefined, { description: 'mesh armed call deadline' });

/**
 * callDeadlineOf returns the absolute deadline of a call: the one the deadline
 * interceptor published, else one derived from the request's timeout header
 * (when an interceptor is used alone), else undefined.
 */
export function callDeadlineOf(req: { contextValues: ContextValues; header: Headers }, now = Date.now()): number | undefined {
  const published = req.contextValues.get(callDeadlineKey);
  if (published !== undefined) return published;
  const timeoutMs = readTimeoutHeader(req.header);
  return timeoutMs === undefined ? undefined : now + timeoutMs;
}
