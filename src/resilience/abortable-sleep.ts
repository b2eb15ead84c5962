import { setTimeout as sleep } from 'node:timers/promises';

// Node turns a timer longer than 2^31 - 1 ms into a 1 ms timer (with only a
// warning), so a long Retry-After would wake up at once; clamp instead.
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * abortableSleep resolves after `ms` milliseconds, or rejects as soon as
 * `signal` aborts.
 *
 * It rejects with `signal.reason` rather than Node's generic AbortError, so a
 * caller that aborted with a deadline or cancellation error (for example a
 * ConnectError) gets that same error back from the sleep.
 */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) {
    throw signal.reason;
  }
  try {
    await sleep(Math.min(MAX_TIMER_DELAY, Math.max(0, ms)), undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) {
      throw signal.reason;
    }
    throw error;
  }
}
