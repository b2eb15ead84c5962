import type { Kafka } from 'kafkajs';
import type { ReplayPosition } from './replay-position.js';
import type { ReplayProgress } from './replay-progress.js';
import type { ReplayRecord } from './replay-record.js';
import type { ReplayTopic } from './resolve-partition-windows.js';

/** ReplayHandlerContext is given to a replay handler beside each record. */
export interface ReplayHandlerContext {
  /** Aborts when the replay is aborted; pass it on to long work. */
  signal: AbortSignal;
}

/** ReplayHandler receives the records of a replay one by one, in offset order within each partition. */
export type ReplayHandler = (record: ReplayRecord, context: ReplayHandlerContext) => Promise<void>;

/** ReplayIntoTopic copies the replayed records into another topic. */
export interface ReplayIntoTopic {
  topic: string;
  /**
   * Keep each record's original timestamp (as CreateTime) instead of the time of the copy.
   * @defaultValue false
   */
  keepTimestamp?: boolean;
  /**
   * Write each record to the partition with the same number instead of partitioning by key.
   * @defaultValue false
   */
  keepPartition?: boolean;
}

/** DEFAULT_REPLAY_FROM starts a replay at the beginning of the log. */
export const DEFAULT_REPLAY_FROM: ReplayPosition = 'earliest';

/** DEFAULT_REPLAY_TO ends a replay at the high watermark read when it starts. */
export const DEFAULT_REPLAY_TO: ReplayPosition = 'latest';

/** DEFAULT_REPLAY_GROUP_PREFIX prefixes the throwaway groups replays read through, so they are recognisable in group listings. */
export const DEFAULT_REPLAY_GROUP_PREFIX = 'mesh-replay';

interface ReplayCommonOptions {
  /** Topics to read; a ReplayTopic overrides `from`/`to` for its topic. */
  topics: readonly (string | ReplayTopic)[];
  /**
   * Where to start, inclusive.
   * @defaultValue DEFAULT_REPLAY_FROM
   */
  from?: ReplayPosition;
  /**
   * Where to stop, exclusive: `{ offset: 10 }` delivers up to offset 9, `{ timestamp: t }`
   * only records stamped before t.
   * @defaultValue DEFAULT_REPLAY_TO
   */
  to?: ReplayPosition;
  /**
   * Read and count, but call no handler and write nothing.
   * @defaultValue false
   */
  dryRun?: boolean;
  /** Delivered records per second at most (ignored in a dry run); unlimited when absent. */
  rateLimit?: number;
  onProgress?: (progress: ReplayProgress) => void;
  /** @defaultValue DEFAULT_PROGRESS_INTERVAL_MS */
  progressIntervalMs?: number;
  /** Stops the replay; it then rejects with a ReplayError ABORTED carrying the partial summary. */
  signal?: AbortSignal;
  /** @defaultValue createKafka({ clientId: 'mesh-replay' }) */
  kafka?: Kafka;
  /** @defaultValue DEFAULT_REPLAY_GROUP_PREFIX */
  groupIdPrefix?: string;
}

/** ReplayOptions configures replay: what to read, and either a handler or a topic to copy into. */
export type ReplayOptions = ReplayCommonOptions &
  ({ handler: ReplayHandler; into?: undefined } | { into: string | ReplayIntoTopic; handler?: undefined });
