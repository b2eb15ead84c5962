/** TimelineEntry is one step of the demo: when (ms since the start), what, and the detail. */
export interface TimelineEntry {
  atMs: number;
  step: string;
  detail: string;
}

/** DemoTimeline records the demo's steps and prints each as it happens. */
export interface DemoTimeline {
  readonly entries: readonly TimelineEntry[];
  /** add records a step now (or at `atEpochMs`, for steps learnt later, like saga transitions). */
  add(step: string, detail: string, atEpochMs?: number): void;
}

/** createDemoTimeline returns a DemoTimeline starting now; `print` receives each line (none with `--json`). */
export function createDemoTimeline(print?: (line: string) => void): DemoTimeline {
  const startedAt = Date.now();
  const entries: TimelineEntry[] = [];
  return {
    entries,
    add(step, detail, atEpochMs = Date.now()) {
      const entry = { atMs: atEpochMs - startedAt, step, detail };
      entries.push(entry);
      print?.(`${`+${entry.atMs} ms`.padStart(10)}  ${step.padEnd(22)} ${detail}`);
    },
  };
}
