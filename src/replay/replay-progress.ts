/** ReplayProgress is reported to `onProgress` while a replay runs, and once when it ends. */
export interface ReplayProgress {
  /** Offsets covered so far over all partitions (delivered, skipped or gaps). */
  done: number;
  /** Offsets in the window over all partitions, resolved at start: `done / total` is the completion ratio. */
  total: number;
  /** Records delivered so far. */
  records: number;
  /** Offsets covered per second since the start. */
  ratePerSecond: number;
  /** Estimated milliseconds left at the current rate; undefined before anything was read. */
  etaMs: number | undefined;
  elapsedMs: number;
}

/** DEFAULT_PROGRESS_INTERVAL_MS is how often, at most, onProgress is called during a replay. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 1000;

/** ProgressMeter accumulates what a replay did and reports it, throttled. */
export interface ProgressMeter {
  advance(covered: number, delivered: number): void;
  /** Reports unconditionally (the final report). */
  flush(): void;
}

/** createProgressMeter returns a ProgressMeter that calls `report` at most every `intervalMs`. */
export function createProgressMeter(total: number, report: ((progress: ReplayProgress) => void) | undefined, intervalMs: number): ProgressMeter {
  const startedAt = performance.now();
  let done = 0;
  let records = 0;
  let lastReport = startedAt;
  const emit = (now: number) => {
    lastReport = now;
    const elapsedMs = now - startedAt;
    const ratePerSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const etaMs = ratePerSecond > 0 ? (Math.max(0, total - done) * 1000) / ratePerSecond : undefined;
    report?.({ done, total, records, ratePerSecond, etaMs, elapsedMs });
  };
  return {
    advance(covered, delivered) {
      done += covered;
      records += delivered;
      const now = performance.now();
      if (report && now - lastReport >= intervalMs) emit(now);
    },
    flush() {
      if (report) emit(performance.now());
    },
  };
}
