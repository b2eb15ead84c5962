/** BackgroundReading is the latest finished result of a slow read, or why it failed. */
export interface BackgroundReading<T> {
  /** latest is the last finished reading; undefined before the first one finished. */
  latest(): T | { error: string } | undefined;
  /** refresh starts a reading unless one runs or the last started less than `minIntervalMs` ago. */
  refresh(): void;
  /** inFlight is the reading in progress, if any. */
  inFlight(): Promise<void> | undefined;
}

/**
 * createBackgroundReading runs `read` one at a time, in the background, and
 * keeps its latest outcome, so a slow source (the broker) never holds up the
 * rest of a status frame.
 */
export function createBackgroundReading<T>(read: () => Promise<T>, minIntervalMs = 0): BackgroundReading<T> {
  let latest: T | { error: string } | undefined;
  let running: Promise<void> | undefined;
  let startedAt = -Infinity;
  return {
    latest: () => latest,
    refresh() {
      if (running || Date.now() - startedAt < minIntervalMs) return;
      startedAt = Date.now();
      running = read()
        .then(
          (result) => void (latest = result),
          (error: unknown) => void (latest = { error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => (running = undefined));
    },
    inFlight: () => running,
  };
}
