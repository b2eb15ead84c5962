/** SchedulerOptions configures a scheduler instance. */
export interface SchedulerOptions {
  /**
   * Consumer group of the schedule topic; instances of one group share its partitions.
   * @defaultValue `<schedule topic>.scheduler`
   */
  groupId?: string;
  /** @defaultValue DEFAULT_SCHEDULER_SESSION_TIMEOUT (10 000) */
  sessionTimeout?: number;
  /** @defaultValue DEFAULT_SCHEDULER_HEARTBEAT_INTERVAL (1000) */
  heartbeatInterval?: number;
  /**
   * How long an open transaction of a killed scheduler may block readers of the topics it wrote to, in milliseconds.
   * @defaultValue DEFAULT_SCHEDULER_TRANSACTION_TIMEOUT (10 000)
   */
  transactionTimeout?: number;
}

/** DEFAULT_SCHEDULER_SESSION_TIMEOUT lets partitions of a killed scheduler move within seconds. */
export const DEFAULT_SCHEDULER_SESSION_TIMEOUT = 10_000;
/** DEFAULT_SCHEDULER_HEARTBEAT_INTERVAL is a tenth of the session timeout. */
export const DEFAULT_SCHEDULER_HEARTBEAT_INTERVAL = 1000;
/** DEFAULT_SCHEDULER_TRANSACTION_TIMEOUT bounds how long a dead scheduler's transaction stays open when nobody takes its partition. */
export const DEFAULT_SCHEDULER_TRANSACTION_TIMEOUT = 10_000;
/** SCHEDULER_MAX_WAIT_MS bounds the fetch long poll, so a resumed partition is read again quickly. */
export const SCHEDULER_MAX_WAIT_MS = 250;
