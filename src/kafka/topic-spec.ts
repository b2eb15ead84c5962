/** TopicSpec declares one topic of a catalogue: how many partitions and which topic-level configs. */
export interface TopicSpec {
  topic: string;
  /**
   * Number of partitions; more allows more consumers of one group in parallel.
   * @defaultValue DEFAULT_TOPIC_PARTITIONS (3)
   */
  partitions?: number;
  /**
   * Replicas per partition; -1 takes the broker's `default.replication.factor`.
   * @defaultValue DEFAULT_REPLICATION_FACTOR (-1)
   */
  replicationFactor?: number;
  /** Topic configs such as `retention.ms` or `cleanup.policy`, as Kafka spells them. */
  configs?: Record<string, string>;
}

/** TopicCatalogue is the declared set of topics a component needs, provisioned at start-up. */
export type TopicCatalogue = readonly TopicSpec[];

/** DEFAULT_TOPIC_PARTITIONS is the partition count of a spec that names none. */
export const DEFAULT_TOPIC_PARTITIONS = 3;

/** DEFAULT_REPLICATION_FACTOR lets the broker decide (its `default.replication.factor`). */
export const DEFAULT_REPLICATION_FACTOR = -1;

/** RETENTION_FOREVER is the `retention.ms` value that keeps records until deleted. */
export const RETENTION_FOREVER = '-1';

/** DAY_MS is one day in milliseconds, for retention settings. */
export const DAY_MS = 24 * 60 * 60 * 1000;
