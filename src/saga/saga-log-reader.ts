import { fromBinary } from '@bufbuild/protobuf';
import type { Kafka } from 'kafkajs';
import { SagaSchema, SagaTransitionSchema, type Saga, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';
import { headerText, replay } from '../replay/index.js';
import { SAGA_RAN_AHEAD_HEADER, SAGA_SEQUENCE_HEADER } from './saga-log.js';

/** DEFAULT_SAGA_READER_GROUP_PREFIX prefixes the throwaway groups the saga log is read through. */
export const DEFAULT_SAGA_READER_GROUP_PREFIX = 'mesh-saga-read';

/** StoredSaga is a saga snapshot as read back from the state topic. */
export interface StoredSaga {
  saga: Saga;
  /** sequence of the last transition folded into the snapshot. */
  sequence: bigint;
  partition: number;
  /** traceHeaders are the trace context the saga was started in (traceparent, tracestate), when it was traced. */
  traceHeaders: Record<string, string>;
  /** ranAhead says the snapshot was written by a run whose steps may have gone ahead of the log by several steps (SAGA_RAN_AHEAD_HEADER). */
  ranAhead: boolean;
}

// The W3C headers withSagaSpan reads back; the coordinator writes them with every snapshot.
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/** ReadSagaLogOptions say which partitions of the saga log to read. */
export interface ReadSagaLogOptions {
  kafka: Kafka;
  topic: string;
  /** partitions to read; all of the topic's when omitted. */
  partitions?: readonly number[];
  signal?: AbortSignal;
}

function fromOffsets(partitions: readonly number[] | undefined) {
  return partitions === undefined ? 'earliest' : { offset: Object.fromEntries(partitions.map((partition) => [partition, 0])) };
}

/**
 * readSagaStates reads the compacted state topic from the beginning to its
 * current end (committed records only) and returns the latest snapshot of
 * every saga. Call it after SagaLog.claim, so no other coordinator can write
 * to those partitions meanwhile.
 */
export async function readSagaStates(options: ReadSagaLogOptions): Promise<Map<string, StoredSaga>> {
  const sagas = new Map<string, StoredSaga>();
  if (options.partitions?.length === 0) return sagas;
  await replay({
    kafka: options.kafka,
    topics: [options.topic],
    from: fromOffsets(options.partitions),
    groupIdPrefix: DEFAULT_SAGA_READER_GROUP_PREFIX,
    ...(options.signal ? { signal: options.signal } : {}),
    handler: async (record) => {
      const sagaId = record.key?.toString('utf8');
      if (!sagaId) return;
      if (record.value === null) {
        sagas.delete(sagaId);
        return;
      }
      const saga = fromBinary(SagaSchema, record.value);
      const traceHeaders = Object.fromEntries(
        TRACE_HEADERS.flatMap((name) => {
          const value = headerText(record.headers, name);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      sagas.set(sagaId, { saga, sequence: BigInt(headerText(record.headers, SAGA_SEQUENCE_HEADER) ?? '0'), partition: record.partition, traceHeaders, ranAhead: headerText(record.headers, SAGA_RAN_AHEAD_HEADER) === '1' });
    },
  });
  return sagas;
}

/** readSagaHistory reads the history topic to its current end: every transition, in log order per partition. */
export async function readSagaHistory(options: ReadSagaLogOptions & { sagaId?: string }): Promise<SagaTransition[]> {
  const transitions: SagaTransition[] = [];
  if (options.partitions?.length === 0) return transitions;
  await replay({
    kafka: options.kafka,
    topics: [options.topic],
    from: fromOffsets(options.partitions),
    groupIdPrefix: DEFAULT_SAGA_READER_GROUP_PREFIX,
    ...(options.signal ? { signal: options.signal } : {}),
    handler: async (record) => {
      if (record.value === null) return;
      if (options.sagaId !== undefined && record.key?.toString('utf8') !== options.sagaId) return;
      transitions.push(fromBinary(SagaTransitionSchema, record.value));
    },
  });
  return transitions;
}
