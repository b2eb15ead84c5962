import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** DEFAULT_STOP_TIMEOUT_MS is how long a child gets to exit after SIGTERM before it is killed. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** ChildExit is how a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** childExit resolves when the child has exited (at once if it already has). */
export function childExit(child: ChildProcess): Promise<ChildExit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
}

/**
 * stopChildProcess asks a child to stop with SIGTERM, and kills it with
 * SIGKILL if it has not exited within `timeoutMs`; it resolves once the
 * child is gone.
 */
export async function stopChildProcess(child: ChildProcess, timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<ChildExit> {
  const exited = childExit(child);
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = new AbortController();
  const outcome = await Promise.race([exited, sleep(timeoutMs, 'timeout' as const, { signal: timer.signal })]);
  timer.abort();
  if (outcome !== 'timeout') return outcome;
  child.kill('SIGKILL');
  return exited;
}
