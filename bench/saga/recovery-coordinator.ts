// The coordinator that the recovery measurement kills: starts SAGAS sagas of
// the benchmark saga, each parked before its first call (STARTED and
// STEP_STARTED postJob are in the log), prints `READY <n>` once all are, and
// waits for SIGKILL.
import { SagaTransition_Kind as Kind } from '../../gen/mesh/v1/saga_pb.js';
import { createKafka } from '../../src/kafka/index.js';
import { createSagaOrchestrator, type SagaLogMode } from '../../src/saga/index.js';
import { benchClients, benchSaga, BENCH_SAGA_NAME, type ServiceUrls } from './bench-saga.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const count = Number(env('SAGAS'));
const clients = benchClients(JSON.parse(env('SERVICE_URLS')) as ServiceUrls);
const orchestrator = createSagaOrchestrator({
  kafka: createKafka({ clientId: 'bench-saga-doomed' }),
  topics: { state: env('SAGA_STATE_TOPIC'), history: env('SAGA_HISTORY_TOPIC') },
  groupId: env('SAGA_GROUP'),
  transactionalIdPrefix: env('SAGA_TX_PREFIX'),
  partitions: Number(env('SAGA_PARTITIONS')),
  sessionTimeout: Number(env('SAGA_SESSION_TIMEOUT')),
  heartbeatInterval: 1000,
  ...(process.env['SAGA_LOG_MODE'] ? { logMode: process.env['SAGA_LOG_MODE'] as SagaLogMode } : {}),
});
orchestrator.register(benchSaga(clients, { hold: new Promise<void>(() => undefined), local: process.env['RECOVERY_LOCAL'] === '1' }));
let parked = 0;
orchestrator.onTransition(({ transition }) => {
  if (transition.kind === Kind.STEP_STARTED && transition.stepName === 'postJob' && ++parked === count) process.stdout.write(`READY ${parked}\n`);
});
await orchestrator.start();
const prefix = env('TAG_PREFIX');
// Started in slices, so the group-committed writes stay a few hundred sagas each.
for (let index = 0; index < count; index += 500) {
  const slice = Array.from({ length: Math.min(500, count - index) }, (_, offset) => orchestrator.execute(BENCH_SAGA_NAME, { tag: `${prefix}-${index + offset}` }));
  void Promise.allSettled(slice);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
setInterval(() => process.stdout.write(`PARKED ${parked}\n`), 2000);
