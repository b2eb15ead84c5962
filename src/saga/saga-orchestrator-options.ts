import type { Kafka } from 'kafkajs';
import type { SagaLogMode } from './saga-log-mode.js';
import type { SagaTopics } from './saga-topics.js';

/** DEFAULT_SAGA_GROUP_ID is the consumer group coordinators join; its partition assignment decides which coordinator drives which sagas. */
export const DEFAULT_SAGA_GROUP_ID = 'mesh-saga-coordinator';
/** DEFAULT_SAGA_SESSION_TIMEOUT_MS is how soon a crashed coordinator's sagas move to another one (the broker's minimum is 6000). */
export const DEFAULT_SAGA_SESSION_TIMEOUT_MS = 10_000;
/** DEFAULT_SAGA_HEARTBEAT_INTERVAL_MS is a third of a short session, as Kafka recommends. */
export const DEFAULT_SAGA_HEARTBEAT_INTERVAL_MS = 2_000;
/** DEFAULT_SAGA_REBALANCE_TIMEOUT_MS bounds how long a rebalance waits for members to rejoin. */
export const DEFAULT_SAGA_REBALANCE_TIMEOUT_MS = 15_000;
/** DEFAULT_SAGA_CLIENT_ID names the coordinator's Kafka connections when it creates its own client. */
export const DEFAULT_SAGA_CLIENT_ID = 'mesh-saga';

/** SagaOrchestratorOptions configure createSagaOrchestrator. */
export interface SagaOrchestratorOptions {
  /** @defaultValue createSagaKafka(DEFAULT_SAGA_CLIENT_ID) (createKafka, without the log lines of retried CONCURRENT_TRANSACTIONS) */
  kafka?: Kafka;
  /** @defaultValue DEFAULT_SAGA_TOPICS */
  topics?: SagaTopics;
  /** partitions of the saga log when the coordinator creates its topics. @defaultValue DEFAULT_SAGA_PARTITIONS */
  partitions?: number;
  /** @defaultValue DEFAULT_SAGA_GROUP_ID */
  groupId?: string;
  /**
   * transactionalIdPrefix names the per-partition transactional producers;
   * coordinators sharing a saga log must share it, so that a new owner fences the old one.
   * @defaultValue `${groupId}.${topics.state}`
   */
  transactionalIdPrefix?: string;
  /** @defaultValue DEFAULT_SAGA_SESSION_TIMEOUT_MS */
  sessionTimeout?: number;
  /** @defaultValue DEFAULT_SAGA_HEARTBEAT_INTERVAL_MS */
  heartbeatInterval?: number;
  /** @defaultValue DEFAULT_SAGA_REBALANCE_TIMEOUT_MS */
  rebalanceTimeout?: number;
  /**
   * logMode says whether a step's call waits for the records before it
   * (write-ahead), for all but the last step's (pipelined), or only where
   * it must (background; see SagaLogMode); a step's own `logMode` overrides it.
   * @defaultValue DEFAULT_SAGA_LOG_MODE
   */
  logMode?: SagaLogMode;
  /** logLingerMs is how long, in background mode, a transition may wait before it is committed. @defaultValue DEFAULT_SAGA_LOG_LINGER_MS */
  logLingerMs?: number;
  /** logSendEarly sends, in background mode, a linger window's first transitions into the open saga-log transaction while the steps run (see DEFAULT_SAGA_LOG_SEND_EARLY). @defaultValue DEFAULT_SAGA_LOG_SEND_EARLY */
  logSendEarly?: boolean;
  /** onError hears failures that have no caller to go to: a recovered saga whose drive stopped, a rebalance that could not be applied. */
  onError?: (error: unknown, sagaId?: string) => void;
}
