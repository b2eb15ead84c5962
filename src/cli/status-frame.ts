import type { ConsumerLagReading } from './consumer-lag.js';

/** ComponentRow is one component's line in the status table. */
export interface ComponentRow {
  name: string;
  kind: string;
  pid: number;
  url: string;
  health: string;
  /** breaker is the CLI's own circuit breaker towards the component; '-' when it has none. */
  breaker: string;
  /** inFlight is the number of calls a service serves now; '-' when unknown or not a service. */
  inFlight: string;
  /** breakers summarizes the component's outgoing breakers; '-' when it has none or did not say. */
  breakers: string;
  detail?: string;
}

/** SagaCounts counts the sagas of the saga log by status (RUNNING, COMPLETED, …). */
export type SagaCounts = Record<string, number>;

/** StatusFrame is everything one refresh of `mesh up`'s status shows. */
export interface StatusFrame {
  /** title is the line above the tables (broker, uptime). */
  title: string;
  components: ComponentRow[];
  /** lag is the last consumer-lag reading, or why it failed; undefined without Kafka. */
  lag?: ConsumerLagReading | { error: string };
  /** sagas is the last count of the saga log by status, or why it failed; undefined without Kafka. */
  sagas?: SagaCounts | { error: string };
}
