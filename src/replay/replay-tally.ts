import type { ReplayRecord } from './replay-record.js';
import type { PartitionReplaySummary, ReplaySummary } from './replay-summary.js';
import type { PartitionWindow } from './resolve-partition-windows.js';

/** ReplayTally is the bookkeeping of one replay: per-partition counts and how far each partition got. */
export type ReplayTally = ReturnType<typeof createReplayTally>;

/** createReplayTally starts the bookkeeping of a replay over `windows`. */
export function createReplayTally(windows: readonly PartitionWindow[], dryRun: boolean, startedAt: Date, started: number) {
  const entries = windows.map((window) => ({
    window,
    covered: window.start,
    summary: {
      topic: window.topic,
      partition: window.partition,
      startOffset: window.start.toString(),
      endOffset: window.end.toString(),
      records: 0,
      skipped: 0,
    } as PartitionReplaySummary,
  }));
  const byKey = new Map(entries.map((entry) => [`${entry.window.topic}\u0000${entry.window.partition}`, entry]));
  return {
    window(topic: string, partition: number): PartitionWindow {
      return byKey.get(`${topic}\u0000${partition}`)!.window;
    },
    skip(window: PartitionWindow, count: number) {
      byKey.get(`${window.topic}\u0000${window.partition}`)!.summary.skipped += count;
    },
    deliver(record: ReplayRecord) {
      const summary = byKey.get(`${record.topic}\u0000${record.partition}`)!.summary;
      summary.records++;
      summary.firstOffset ??= record.offset;
      summary.lastOffset = record.offset;
    },
    /** deliverRun counts `count` records of one partition, `records[from]` onwards, as delivered (deliver for each, in one step). */
    deliverRun(records: readonly ReplayRecord[], from: number, count: number) {
      if (count <= 0) return;
      const first = records[from]!;
      const summary = byKey.get(`${first.topic}\u0000${first.partition}`)!.summary;
      summary.records += count;
      summary.firstOffset ??= first.offset;
      summary.lastOffset = records[from + count - 1]!.offset;
    },
    /** Moves a partition's covered position to `next`; returns how many offsets that covered. */
    cover(window: PartitionWindow, next: bigint): number {
      const entry = byKey.get(`${window.topic}\u0000${window.partition}`)!;
      if (next <= entry.covered) return 0;
      const covered = Number(next - entry.covered);
      entry.covered = next;
      return covered;
    },
    covered(): number {
      return entries.reduce((sum, entry) => sum + Number(entry.covered - entry.window.start), 0);
    },
    completeAll() {
      for (const entry of entries) entry.covered = entry.window.end;
    },
    summary(groupId: string | undefined): ReplaySummary {
      const partitions = entries.map((entry) => ({ ...entry.summary }));
      return {
        dryRun,
        records: partitions.reduce((sum, partition) => sum + partition.records, 0),
        skipped: partitions.reduce((sum, partition) => sum + partition.skipped, 0),
        partitions,
        groupId,
        startedAt,
        durationMs: performance.now() - started,
      };
    },
  };
}
