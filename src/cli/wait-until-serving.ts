import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './cli-error.js';
import type { HealthProbe, HealthReport } from './health-probe.js';

/** DEFAULT_SERVING_TIMEOUT_MS bounds how long a started service may take to report SERVING. */
export const DEFAULT_SERVING_TIMEOUT_MS = 30_000;
/** SERVING_POLL_INTERVAL_MS spaces health checks while waiting. */
export const SERVING_POLL_INTERVAL_MS = 200;

/**
 * waitUntilServing checks a probe until it reports SERVING, and throws a
 * CliError with the last report when `timeoutMs` passes or `gone` settles
 * first (the process died); an aborted `signal` rejects with its reason.
 */
export async function waitUntilServing(name: string, probe: HealthProbe, options: { timeoutMs?: number; gone?: Promise<unknown>; signal?: AbortSignal } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SERVING_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void options.gone?.then(() => (dead = true));
  let last: HealthReport = { state: 'UNKNOWN' };
  while (!dead && Date.now() < deadline) {
    options.signal?.throwIfAborted();
    last = await probe.check();
    if (last.state === 'SERVING') return;
    await sleep(SERVING_POLL_INTERVAL_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
  options.signal?.throwIfAborted();
  const why = dead ? 'exited' : `was not SERVING within ${timeoutMs} ms`;
  throw new CliError('COMPONENT_NOT_READY', `${name} at ${probe.url} ${why} (last health: ${last.state}${last.detail ? `, ${last.detail}` : ''})`);
}
