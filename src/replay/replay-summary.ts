/** PartitionReplaySummary is what a replay did on one partition. */
export interface PartitionReplaySummary {
  topic: string;
  partition: number;
  /** First offset of the window (inclusive), resolved when the replay started. */
  startOffset: string;
  /** End of the window (exclusive), resolved when the replay started. */
  endOffset: string;
  /** Records delivered (in a dry run: that would have been delivered). */
  records: number;
  /** Records read inside the offset window but left out by the time window. */
  skipped: number;
  /** Offset of the first delivered record, when there was one. */
  firstOffset?: string;
  /** Offset of the last delivered record, when there was one. */
  lastOffset?: string;
}

/** ReplaySummary is what replay returns: per-partition windows and counts, and the duration. */
export interface ReplaySummary {
  dryRun: boolean;
  /** Records delivered over all partitions. */
  records: number;
  /** Records read but outside the time window. */
  skipped: number;
  /** Every partition in the window, in topic then partition order, including empty ones. */
  partitions: PartitionReplaySummary[];
  /** The throwaway consumer group used to read (deleted afterwards); undefined when there was nothing to read. */
  groupId: string | undefined;
  startedAt: Date;
  durationMs: number;
}
