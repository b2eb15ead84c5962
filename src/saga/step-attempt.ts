import { SagaError } from './saga-error.js';

/** StepAttemptLimits bound one attempt of a step call. */
export interface StepAttemptLimits {
  /** timeoutMs fails the attempt with STEP_TIMEOUT. */
  timeoutMs: number;
  /** deadline (epoch ms) fails the attempt with SAGA_TIMEOUT; none for compensations. */
  deadline?: number;
  /** stop aborts the attempt with the signal's reason (the coordinator stops or loses the saga). */
  stop: AbortSignal;
}

/**
 * runStepAttempt runs one attempt, giving it a signal that aborts on the
 * first of: its timeout, the saga's deadline, the coordinator stopping. The
 * attempt settles then even if the step ignores its signal: a timeout is a
 * timeout.
 */
export async function runStepAttempt<T>(attempt: (signal: AbortSignal) => Promise<T>, limits: StepAttemptLimits): Promise<T> {
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let onStop: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    const fail = (reason: unknown) => {
      controller.abort(reason);
      reject(reason);
    };
    if (limits.stop.aborted) fail(limits.stop.reason);
    onStop = () => fail(limits.stop.reason);
    limits.stop.addEventListener('abort', onStop, { once: true });
    timers.push(setTimeout(() => fail(new SagaError('STEP_TIMEOUT', `the step attempt took longer than ${limits.timeoutMs} ms`)), limits.timeoutMs));
    if (limits.deadline !== undefined) {
      timers.push(setTimeout(() => fail(new SagaError('SAGA_TIMEOUT', 'the saga ran past its timeout')), Math.max(0, limits.deadline - Date.now())));
    }
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([attempt(controller.signal), aborted]);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (onStop) limits.stop.removeEventListener('abort', onStop);
  }
}

/** MAX_TIMER_MS is the longest delay a Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** sleepUntilRetry waits out a backoff delay; it rejects like runStepAttempt when the deadline passes or the coordinator stops first. */
export async function sleepUntilRetry(delayMs: number, limits: Omit<StepAttemptLimits, 'timeoutMs'>): Promise<void> {
  const wait = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    });
  await runStepAttempt(wait, { ...limits, timeoutMs: MAX_TIMER_MS });
}
