import { DAY_MS, type TopicSpec } from '../kafka/index.js';

/** SagaTopics name the two topics of the saga log. */
export interface SagaTopics {
  /** state is compacted and keyed by saga id: the latest Saga snapshot of each saga. Its partitions are the unit of saga ownership. */
  state: string;
  /** history holds every SagaTransition, keyed by saga id, in the partition of the same number as the state record. */
  history: string;
}

/** DEFAULT_SAGA_TOPICS are the saga log's topic names. */
export const DEFAULT_SAGA_TOPICS: SagaTopics = { state: 'saga.state', history: 'saga.history' };

/** DEFAULT_SAGA_PARTITIONS is how many partitions (units of ownership) the saga log gets when the coordinator creates it. */
export const DEFAULT_SAGA_PARTITIONS = 6;

/** DEFAULT_SAGA_HISTORY_RETENTION_MS keeps transition history for 30 days; the compacted state keeps each saga's last snapshot for good. */
export const DEFAULT_SAGA_HISTORY_RETENTION_MS = 30 * DAY_MS;

/** sagaTopicSpecs declares the saga log's topics for ensureTopics; both get the same partition count. */
export function sagaTopicSpecs(topics: SagaTopics, partitions = DEFAULT_SAGA_PARTITIONS): TopicSpec[] {
  return [
    { topic: topics.state, partitions, configs: { 'cleanup.policy': 'compact' } },
    { topic: topics.history, partitions, configs: { 'cleanup.policy': 'delete', 'retention.ms': String(DEFAULT_SAGA_HISTORY_RETENTION_MS) } },
  ];
}

/**
 * sagaPartition maps a saga id to its partition of the saga log (FNV-1a,
 * so every process agrees without asking the broker's partitioner).
 */
export function sagaPartition(sagaId: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < sagaId.length; index++) {
    hash ^= sagaId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitionCount;
}
