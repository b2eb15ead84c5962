import { createHash } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import type { Kafka } from 'kafkajs';
import { PageCursorSchema } from '../../gen/mesh/v1/paging_pb.js';
import { SagaService, SagaStatus, type Saga } from '../../gen/mesh/v1/saga_pb.js';
import { readSagaHistory, readSagaStates } from './saga-log-reader.js';
import type { SagaOrchestrator } from './saga-orchestrator.js';
import { sagaPartition } from './saga-topics.js';

/** DEFAULT_SAGA_PAGE_SIZE is ListSagas' page size when the request names none. */
export const DEFAULT_SAGA_PAGE_SIZE = 50;
/** MAX_SAGA_PAGE_SIZE caps ListSagas' page size (the request's validation rule allows up to 1000). */
export const MAX_SAGA_PAGE_SIZE = 1000;

/** SagaServiceOptions configure createSagaService. */
export interface SagaServiceOptions {
  /** orchestrator is a started coordinator: its topics and partition count say where to read. */
  orchestrator: SagaOrchestrator;
  /** kafka reads the saga log. */
  kafka: Kafka;
}

function newestFirst(a: Saga, b: Saga): number {
  return Number((b.startedAt?.seconds ?? 0n) - (a.startedAt?.seconds ?? 0n)) || (b.startedAt?.nanos ?? 0) - (a.startedAt?.nanos ?? 0) || a.sagaId.localeCompare(b.sagaId);
}

function fingerprint(status: SagaStatus, name: string): Uint8Array {
  return createHash('sha256').update(`${status}\u0000${name}`).digest().subarray(0, 8);
}

function decodeToken(token: string, expected: Uint8Array): number {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    const cursor = fromBinary(PageCursorSchema, Buffer.from(token, 'base64url'));
    if (Buffer.compare(Buffer.from(cursor.requestFingerprint), Buffer.from(expected)) !== 0) throw new Error('other filters');
    return Number(cursor.offset);
  } catch {
    throw new ConnectError('page_token is not a token of this listing', Code.InvalidArgument);
  }
}

/**
 * createSagaService implements the read-only mesh.v1.SagaService over the
 * saga log, so it answers for every coordinator's sagas, not only this
 * one's: GetSaga reads the saga's partition (its snapshot from the state
 * topic, its transitions from the history topic); ListSagas reads the state
 * topic, newest first, filtered by status and name, paged by offset.
 */
export function createSagaService(options: SagaServiceOptions): ServiceImpl<typeof SagaService> {
  const { orchestrator, kafka } = options;
  const partitionOf = (sagaId: string) => {
    const count = orchestrator.partitionCount();
    if (count === 0) throw new ConnectError('the saga coordinator has not started', Code.Unavailable);
    return sagaPartition(sagaId, count);
  };
  return {
    async getSaga(request, context) {
      const partition = partitionOf(request.sagaId);
      const read = { kafka, partitions: [partition], signal: context.signal };
      const stored = (await readSagaStates({ ...read, topic: orchestrator.topics.state })).get(request.sagaId);
      if (!stored) throw new ConnectError(`saga ${request.sagaId} not found`, Code.NotFound);
      const history = await readSagaHistory({ ...read, topic: orchestrator.topics.history, sagaId: request.sagaId });
      return { saga: stored.saga, history: history.filter((transition) => transition.sequence <= stored.sequence) };
    },
    async listSagas(request, context) {
      const expected = fingerprint(request.status, request.name);
      const offset = request.pageToken === '' ? 0 : decodeToken(request.pageToken, expected);
      const size = Math.min(request.pageSize === 0 ? DEFAULT_SAGA_PAGE_SIZE : request.pageSize, MAX_SAGA_PAGE_SIZE);
      const stored = await readSagaStates({ kafka, topic: orchestrator.topics.state, signal: context.signal });
      const sagas = [...stored.values()]
        .map((entry) => entry.saga)
        .filter((saga) => (request.status === SagaStatus.UNSPECIFIED || saga.status === request.status) && (request.name === '' || saga.name === request.name))
        .sort(newestFirst);
      const page = sagas.slice(offset, offset + size);
      const next = offset + page.length;
      const nextPageToken =
        next < sagas.length ? Buffer.from(toBinary(PageCursorSchema, create(PageCursorSchema, { offset: BigInt(next), requestFingerprint: expected }))).toString('base64url') : '';
      return { sagas: page, nextPageToken };
    },
  };
}
