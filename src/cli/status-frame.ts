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
  detail?: string;
}

/** StatusFrame is everything one refresh of `mesh up`'s status shows. */
export interface StatusFrame {
  /** title is the line above the tables (broker, uptime). */
  title: string;
  components: ComponentRow[];
  /** lag is the last consumer-lag reading, or why it failed; undefined without Kafka. */
  lag?: ConsumerLagReading | { error: string };
}
