/** ClosedLoopOptions shape one closed-loop measurement. */
export interface ClosedLoopOptions {
  /** concurrency is how many calls are in flight at any time: each worker sends its next call when the last one answered. */
  concurrency: number;
  durationMs: number;
}

/** LoadSample is what one closed-loop measurement saw. */
export interface LoadSample {
  calls: number;
  errors: number;
  /** firstError is the first failure's message, for the report. */
  firstError?: string;
  elapsedMs: number;
  /** latenciesUs holds the latency of every successful call, in microseconds. */
  latenciesUs: number[];
  /** clientCpuUs is this process's CPU time (user + system) per call, in microseconds. */
  clientCpuUs: number;
  /** serverCpuUs is the server process's CPU time per call, when the caller measured it. */
  serverCpuUs: number;
}

/**
 * runClosedLoop keeps `concurrency` calls in flight for `durationMs` and
 * records each call's latency. Closed loop: the load adapts to the system
 * (no coordinated-omission correction is needed for a throughput ceiling).
 */
export async function runClosedLoop(call: () => Promise<unknown>, options: ClosedLoopOptions): Promise<LoadSample> {
  const sample: LoadSample = { calls: 0, errors: 0, elapsedMs: 0, latenciesUs: [], clientCpuUs: Number.NaN, serverCpuUs: Number.NaN };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call();
        sample.latenciesUs.push((performance.now() - t0) * 1000);
        sample.calls += 1;
      } catch (error) {
        sample.errors += 1;
        sample.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  sample.elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  sample.clientCpuUs = (used.user + used.system) / Math.max(1, sample.calls + sample.errors);
  return sample;
}

/** percentile returns the p-th percentile (0-100, nearest rank) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** median returns the middle of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
