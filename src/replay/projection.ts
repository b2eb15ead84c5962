import type { Admin, Kafka } from 'kafkajs';
import { abortableSleep } from '../resilience/index.js';
import { createKafka } from '../kafka/create-kafka.js';
import { openAssignedReader, type AssignedReader, type ReaderPartition } from './assigned-reader.js';
import { replay } from './replay.js';
import { ReplayError, ReplayErrorCode } from './replay-error.js';
import { toReplayRecord, type ReplayRecord } from './replay-record.js';
import type { ReplaySummary } from './replay-summary.js';
import { resolvePartitionWindows } from './resolve-partition-windows.js';
import { stableSerialize } from './stable-serialize.js';

/** ProjectionOptions defines a read model: how records of `topics` change its state. */
export interface ProjectionOptions<S> {
  /** Names the projection in its consumer groups and errors. */
  name: string;
  topics: readonly string[];
  /** Returns the state after `record`; may mutate and return `state`. Records of a partition come in offset order. */
  apply(state: S, record: ReplayRecord): S | Promise<S>;
  /** The empty state; a value is deep-copied (structuredClone) on every wipe, a function is called. */
  initialState: S | (() => S);
  /** @defaultValue stableSerialize (JSON with sorted keys) */
  serialize?: (state: S) => string;
  /** @defaultValue createKafka({ clientId: `mesh-projection-${name}` }) */
  kafka?: Kafka;
  /** @defaultValue DEFAULT_PROJECTION_GROUP_PREFIX */
  groupIdPrefix?: string;
  /** How often catchUp looks at the positions. @defaultValue DEFAULT_PROJECTION_POLL_MS */
  pollIntervalMs?: number;
}

/** DEFAULT_PROJECTION_GROUP_PREFIX prefixes a projection's groups: `${prefix}-${name}-${uuid}`. */
export const DEFAULT_PROJECTION_GROUP_PREFIX = 'mesh-projection';

/** DEFAULT_PROJECTION_POLL_MS is how often catchUp checks whether the projection reached its target. */
export const DEFAULT_PROJECTION_POLL_MS = 50;

/** Projection is a running read model. */
export interface Projection<S> {
  readonly name: string;
  /** The current state (read-only by convention). */
  readonly state: S;
  /** Whether start() is following the topics. */
  readonly running: boolean;
  /**
   * start follows the topics live, from the beginning the first time and from
   * where the projection stands after a rebuild; it resolves once every record
   * present at the call has been applied.
   */
  start(): Promise<void>;
  /**
   * catchUp resolves once every record present at the call has been applied;
   * rejects if apply failed. Present means readable by a read-committed
   * consumer: a transaction's records count from when its commit markers are
   * written, which can be a little after the producer's commit() returned.
   */
  catchUp(signal?: AbortSignal): Promise<void>;
  /**
   * rebuild computes a fresh state from the beginning of the topics up to
   * their current end (through replay) and swaps it in at once; a running
   * projection pauses for the rebuild and then follows on from that end.
   */
  rebuild(): Promise<ReplaySummary>;
  /** snapshot returns the serialized state. */
  snapshot(): string;
  /** stop stops following; the state stays. */
  stop(): Promise<void>;
}

type Positions = Map<string, bigint>;
const positionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * createProjection returns a read model fed by records. Following live, each
 * instance reads every partition through its own throwaway group and never
 * commits: its state lives in memory, so committed offsets would only point
 * past records the state does not hold after a restart; it starts from the
 * beginning (or a rebuild's end) instead.
 */
export function createProjection<S>(options: ProjectionOptions<S>): Projection<S> {
  const { name, topics } = options;
  const kafka = options.kafka ?? createKafka({ clientId: `mesh-projection-${name}` });
  const serialize = options.serialize ?? stableSerialize;
  const pollMs = options.pollIntervalMs ?? DEFAULT_PROJECTION_POLL_MS;
  const fresh = (): S => (typeof options.initialState === 'function' ? (options.initialState as () => S)() : structuredClone(options.initialState));
  const groupIdPrefix = `${options.groupIdPrefix ?? DEFAULT_PROJECTION_GROUP_PREFIX}-${name}`;

  let state = fresh();
  let positions: Positions = new Map();
  let live: { admin: Admin; reader: AssignedReader } | undefined;
  let failure: unknown;
  let starting: Promise<void> | undefined;

  const ends = async (admin: Admin): Promise<Positions> => {
    const windows = await resolvePartitionWindows(admin, topics.map((topic) => ({ topic })), 'latest', 'latest');
    return new Map(windows.map((window) => [positionKey(window.topic, window.partition), window.end]));
  };
  const reached = (targets: Positions) => {
    for (const [key, end] of targets) {
      const [topic, partition] = key.split('\u0000') as [string, string];
      const position = live?.reader.position(topic, Number(partition)) ?? positions.get(key) ?? 0n;
      if (position < end) return false;
    }
    return true;
  };

  // Opens the live reader, from the positions a rebuild or an earlier run left, else the beginning.
  const follow = async () => {
    if (live) return;
    failure = undefined;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const windows = await resolvePartitionWindows(admin, topics.map((topic) => ({ topic })), 'earliest', 'latest');
      const partitions: ReaderPartition[] = windows.map((window) => ({
        topic: window.topic,
        partition: window.partition,
        start: positions.get(positionKey(window.topic, window.partition)) ?? window.start,
      }));
      const reader = await openAssignedReader({
        kafka,
        admin,
        partitions,
        groupIdPrefix,
        followNewPartitions: true,
        onBatch: async ({ topic, partition, messages, heartbeat }) => {
          for (const message of messages) {
            try {
              state = await options.apply(state, toReplayRecord(topic, partition, message));
            } catch (error) {
              throw new ReplayError(ReplayErrorCode.HANDLER_FAILED, `projection ${name}: apply failed on ${topic}/${partition}@${message.offset}: ${String(error)}`, { cause: error });
            }
          }
          await heartbeat();
        },
      });
      reader.finished.catch((error: unknown) => {
        failure = error;
      });
      live = { admin, reader };
    } catch (error) {
      await admin.disconnect();
      throw error;
    }
  };

  const projection: Projection<S> = {
    name,
    get state() {
      return state;
    },
    get running() {
      return live !== undefined;
    },

    async start() {
      starting ??= follow().finally(() => {
        starting = undefined;
      });
      await starting;
      await projection.catchUp();
    },

    async catchUp(signal) {
      const owned = live === undefined;
      const admin = live?.admin ?? kafka.admin();
      if (owned) await admin.connect();
      try {
        const targets = await ends(admin);
        while (!reached(targets)) {
          if (failure !== undefined) throw failure;
          if (!live) throw new ReplayError(ReplayErrorCode.NOT_RUNNING, `projection ${name} is not running and has not reached the end; start() or rebuild() it`);
          await abortableSleep(pollMs, signal);
        }
      } finally {
        if (owned) await admin.disconnect();
      }
    },

    async rebuild() {
      const wasRunning = live !== undefined;
      if (wasRunning) await projection.stop();
      let next = fresh();
      const summary = await replay({
        kafka,
        topics: [...topics],
        from: 'earliest',
        to: 'latest',
        groupIdPrefix: `${groupIdPrefix}-rebuild`,
        handler: async (record) => {
          next = await options.apply(next, record);
        },
      });
      state = next;
      positions = new Map(summary.partitions.map((partition) => [positionKey(partition.topic, partition.partition), BigInt(partition.endOffset)]));
      if (wasRunning) await projection.start();
      return summary;
    },

    snapshot() {
      return serialize(state);
    },

    async stop() {
      const current = live;
      if (!current) return;
      live = undefined;
      failure = undefined;
      // Closing waits for the batch in progress, so the positions read afterwards are final.
      await current.reader.close();
      await current.admin.disconnect();
      for (const { topic, partition, offset } of current.reader.positions()) positions.set(positionKey(topic, partition), offset);
    },
  };
  return projection;
}
