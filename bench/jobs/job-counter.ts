/** JobCounter counts the jobs a processor started and resolves `done` with the time the `expected`-th one started. */
export interface JobCounter {
  /** hit is what the benchmark's processor calls first. */
  hit(): void;
  readonly done: Promise<{ startedAt: number; endedAt: number }>;
  readonly count: number;
}

/** createJobCounter returns a JobCounter that rejects `done` when `expected` jobs did not start within `timeoutMs`. */
export function createJobCounter(expected: number, timeoutMs: number, label: string): JobCounter {
  let count = 0;
  let startedAt = 0;
  let settle!: { resolve: (value: { startedAt: number; endedAt: number }) => void; reject: (error: Error) => void };
  const done = new Promise<{ startedAt: number; endedAt: number }>((resolve, reject) => (settle = { resolve, reject }));
  const timer = setTimeout(() => settle.reject(new Error(`${label}: ${count} of ${expected} jobs started within ${timeoutMs} ms`)), timeoutMs);
  done.then(
    () => clearTimeout(timer),
    () => undefined,
  );
  return {
    hit() {
      count += 1;
      if (count === 1) startedAt = performance.now();
      if (count === expected) settle.resolve({ startedAt, endedAt: performance.now() });
    },
    done,
    get count() {
      return count;
    },
  };
}
