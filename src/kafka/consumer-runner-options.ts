import type { ConsumerConfig } from 'kafkajs';
import type { BackoffOptions } from '../resilience/index.js';
import type { RecordHandler } from './consumed-record.js';

/** TopicPattern selects topics by name; a function can express what one regex cannot (prefixes, exclusions). */
export type TopicPattern = RegExp | ((topic: string) => boolean);

/** ConsumerRunnerOptions configures createConsumerRunner. */
export interface ConsumerRunnerOptions {
  groupId: string;
  /** Topics by name. */
  topics?: readonly string[];
  /** Topics by pattern, re-evaluated every `topicRefreshInterval`, so topics created later join. */
  pattern?: TopicPattern;
  handler: RecordHandler;
  /**
   * Where a group without committed offsets starts on the topics known at start.
   * Topics a pattern discovers later are always read from their beginning: they
   * were created after the subscription, so all of their records are new to it.
   * @defaultValue false
   */
  fromBeginning?: boolean;
  /**
   * Partitions handled at once (kafkajs `partitionsConsumedConcurrently`); records of one partition are always handled one by one, in order.
   * @defaultValue DEFAULT_RUNNER_CONCURRENCY (1)
   */
  concurrency?: number;
  /** @defaultValue DEFAULT_SESSION_TIMEOUT (30 000) */
  sessionTimeout?: number;
  /** @defaultValue DEFAULT_HEARTBEAT_INTERVAL (3000) */
  heartbeatInterval?: number;
  /** @defaultValue DEFAULT_REBALANCE_TIMEOUT (60 000) */
  rebalanceTimeout?: number;
  /**
   * Commit resolved offsets at least this often while a batch is handled, in milliseconds (they are also committed at the end of every batch and on stop).
   * @defaultValue DEFAULT_COMMIT_INTERVAL (1000)
   */
  commitInterval?: number;
  /**
   * How often a pattern is re-evaluated against the broker's topics, in milliseconds.
   * @defaultValue DEFAULT_TOPIC_REFRESH_INTERVAL (10 000)
   */
  topicRefreshInterval?: number;
  /**
   * Delay between restarts of a consumer that kafkajs left stopped after a crash.
   * @defaultValue DEFAULT_RESTART_BACKOFF ({ initialDelay: 500, maxDelay: 30 000 })
   */
  restartBackoff?: BackoffOptions;
  /** Anything else of kafkajs's ConsumerConfig (maxBytesPerPartition, ...); `maxWaitTimeInMs` defaults to DEFAULT_FETCH_MAX_WAIT (500). */
  consumerConfig?: Partial<ConsumerConfig>;
}

/** DEFAULT_RUNNER_CONCURRENCY handles one partition at a time. */
export const DEFAULT_RUNNER_CONCURRENCY = 1;
/** DEFAULT_SESSION_TIMEOUT is kafkajs's default session timeout. */
export const DEFAULT_SESSION_TIMEOUT = 30_000;
/** DEFAULT_HEARTBEAT_INTERVAL is kafkajs's default heartbeat interval. */
export const DEFAULT_HEARTBEAT_INTERVAL = 3000;
/** DEFAULT_REBALANCE_TIMEOUT is kafkajs's default rebalance timeout. */
export const DEFAULT_REBALANCE_TIMEOUT = 60_000;
/** DEFAULT_COMMIT_INTERVAL bounds how much a crash redelivers during a long batch. */
export const DEFAULT_COMMIT_INTERVAL = 1000;
/** DEFAULT_TOPIC_REFRESH_INTERVAL is how soon a new topic matching a pattern is picked up. */
export const DEFAULT_TOPIC_REFRESH_INTERVAL = 10_000;
/**
 * DEFAULT_FETCH_MAX_WAIT is how long a fetch waits for records, in ms (kafkajs's
 * `maxWaitTimeInMs`; its default of 5000 makes every stop wait up to 5 s for
 * the pending fetch). 500 is the Java client's `fetch.max.wait.ms`.
 */
export const DEFAULT_FETCH_MAX_WAIT = 500;
/** DEFAULT_RESTART_BACKOFF spaces restarts after crashes kafkajs does not recover from. */
export const DEFAULT_RESTART_BACKOFF: BackoffOptions = { initialDelay: 500, maxDelay: 30_000 };
