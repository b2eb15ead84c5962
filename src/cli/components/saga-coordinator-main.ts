// The saga coordinator as a process of `mesh up`: a createSagaOrchestrator
// with createContractSaga registered, that starts a contract saga for every
// market.v1.BidAccepted on events.bids. It prints one JSON line when ready
// and stops on SIGTERM/SIGINT or when its parent goes away.
import { BidAcceptedSchema } from '../../../gen/market/v1/market_events_pb.js';
import { createEventBus, EventChannels } from '../../events/index.js';
import type { Disposable } from '../../resilience/index.js';
import { closeMeshClients } from '../../rpc/client/index.js';
import { CONTRACT_SAGA_NAME, createContractSaga, createSagaKafka, createSagaOrchestrator } from '../../saga/index.js';
import { contractSagaId } from './contract-saga-id.js';

/** SAGA_COORDINATOR_GROUP is the consumer group the coordinator reads BidAccepted events in. */
export const SAGA_COORDINATOR_GROUP = 'mesh-saga-coordinator.bids';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} saga-coordinator: ${line}\n`);
const orchestrator = createSagaOrchestrator({
  kafka: createSagaKafka('mesh-saga-coordinator'),
  onError: (error, sagaId) => log(`${sagaId ?? '-'}: ${(error as Error).message}`),
});
orchestrator.register(createContractSaga());
orchestrator.onTransition(({ saga, transition }) => log(`${saga.sagaId} ${transition.kind} ${transition.stepName}`));
const bus = createEventBus({ source: 'saga-coordinator' });
let unsubscribe: (() => Promise<void>) | undefined;
try {
  await orchestrator.start();
  await bus.provisionChannels([EventChannels.BIDS]);
  unsubscribe = await bus.subscribe(
    { types: [BidAcceptedSchema], channels: [EventChannels.BIDS] },
    async (event) => {
      const { jobId, bidId } = event.payload;
      // The saga id comes from the bid, so a redelivered event finds the saga it already started.
      const sagaId = contractSagaId(bidId);
      log(`BidAccepted ${bidId}: starting ${CONTRACT_SAGA_NAME} ${sagaId}`);
      let logged: Disposable | undefined;
      const inLog = new Promise<void>((resolve) => {
        logged = orchestrator.onTransition(({ saga }) => {
          if (saga.sagaId === sagaId) resolve();
        });
      });
      const outcome = orchestrator.execute(CONTRACT_SAGA_NAME, { jobId, bidId }, { sagaId }).then(
        (result) => log(`${sagaId} ${result.status}${result.error ? `: ${result.error}` : ''}`),
        (error: unknown) => log(`${sagaId} failed to run: ${(error as Error).message}`),
      );
      // The bus commits the event's offset once this handler returns: until the
      // saga's first transition is in the saga log, a crash would lose it.
      // (A saga already known for this id ends `outcome` at once.)
      try {
        await Promise.race([inLog, outcome]);
      } finally {
        logged?.dispose();
      }
    },
    { group: SAGA_COORDINATOR_GROUP },
  );
} catch (error) {
  process.stderr.write(`saga-coordinator: cannot start: ${(error as Error).message}\n`);
  await orchestrator.stop().catch(() => undefined);
  await bus.close().catch(() => undefined);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ component: 'saga-coordinator', partitions: orchestrator.partitions() })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await unsubscribe?.().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await orchestrator.stop().catch(() => undefined);
    closeMeshClients();
    process.exit(0);
  })();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.send) process.on('disconnect', stop);
