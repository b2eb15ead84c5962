import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { equals } from '@bufbuild/protobuf';
import { SagaSchema } from '../../gen/mesh/v1/saga_pb.js';
import { kafkaBrokers } from '../../src/kafka/index.js';
import { createContractSaga, createSagaOrchestrator, foldSagaHistory, readSagaHistory, readSagaStates, sagaPartition, type ContractSagaOptions, type SagaOrchestrator, type SagaOrchestratorOptions, type SagaTopics } from '../../src/saga/index.js';
import { testKafka } from '../support/kafka.js';
import { readCommitted } from '../support/read-committed.js';
import { startSagaServices, testOrchestratorOptions, waitUntil, type SagaServices } from './saga-test-support.js';

const fixture = fileURLToPath(new URL('./fixtures/coordinator-child.ts', import.meta.url));

/** idsInPartition returns saga ids that land in one partition of a 3-partition saga log. */
export function idsInPartition(partition: number, count: number): string[] {
  const ids: string[] = [];
  while (ids.length < count) {
    const id = randomUUID();
    if (sagaPartition(id, 3) === partition) ids.push(id);
  }
  return ids;
}

/** CoordinatorProcess is a child coordinator (fixtures/coordinator-child.ts) and the lines it printed. */
export interface CoordinatorProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

type SagaLogNames = { topics: SagaTopics; groupId: string };

/** CrashHarness runs the services in this process, coordinators as child processes or in process, and cleans all up. */
export interface CrashHarness {
  services: SagaServices;
  /**
   * startCoordinator spawns a coordinator that runs `inputs` and hangs once
   * `hangAfter` was answered (`before:Method`: just before calling it; '' for
   * no hang); `env` adds fixture settings (HOLD_COMMIT_OF, SAGA_TIMEOUT_MS, SAGA_LOG_MODE, SAGA_LOG_LINGER_MS).
   */
  startCoordinator(log: SagaLogNames, hangAfter: string, inputs: unknown[], env?: Record<string, string>): CoordinatorProcess;
  /**
   * killAfter waits for the child to report the call (`before:Method` as
   * above, `held:step` for a held commit) and, when `durable` names a
   * transition (`STEP_STARTED createEscrow`), for that transition to be in the
   * log (a pipelined log may still be committing it), SIGKILLs the child, and
   * returns the id of the saga it started first.
   */
  killAfter(coordinator: CoordinatorProcess, method: string, durable?: string): Promise<string>;
  /** freshCoordinator is an in-process coordinator of the same saga log and group; `saga` tunes its contract saga (a child's SAGA_TIMEOUT_MS needs the same timeout here). */
  freshCoordinator(log: SagaLogNames, saga?: Pick<ContractSagaOptions, 'timeout'>, overrides?: Partial<SagaOrchestratorOptions>): SagaOrchestrator;
  /** assertLogRebuildsState checks that the state topic and the folded history both equal the coordinator's state. */
  assertLogRebuildsState(orchestrator: SagaOrchestrator, topics: SagaTopics): Promise<void>;
  close(): Promise<void>;
}

/** startCrashHarness starts the services for a crash test. */
export async function startCrashHarness(): Promise<CrashHarness> {
  const services = await startSagaServices();
  const children: ChildProcess[] = [];
  const orchestrators: SagaOrchestrator[] = [];
  return {
    services,
    startCoordinator(log, hangAfter, inputs, extraEnv = {}) {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers().join(','),
          SAGA_STATE_TOPIC: log.topics.state,
          SAGA_HISTORY_TOPIC: log.topics.history,
          SAGA_GROUP: log.groupId,
          ...(hangAfter.startsWith('before:') ? { HANG_BEFORE: hangAfter.slice('before:'.length) } : { HANG_AFTER: hangAfter }),
          SAGA_INPUTS: JSON.stringify(inputs),
          MARKET_URL: services.urls.market,
          BILLING_URL: services.urls.billing,
          SKILLPOD_URL: services.urls.skillpod,
          COCKPIT_URL: services.urls.cockpit,
          NOTIFICATION_URL: services.urls.notification,
          JOBS_PREFIX: services.jobsPrefix,
          ...extraEnv,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const lines: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      return { child, lines, exited };
    },
    async killAfter(coordinator, method, durable) {
      const line = method.startsWith('before:') ? `CALLING ${method.slice('before:'.length)}` : method.startsWith('held:') ? `HELD ${method.slice('held:'.length)}` : `CALLED ${method}`;
      await waitUntil(`the child coordinator to report "${line}"`, () => coordinator.lines.includes(line) || coordinator.child.exitCode !== null, 30_000);
      assert.ok(coordinator.lines.includes(line), `the child reported "${line}": ${coordinator.lines.join(' | ')}`);
      if (durable) {
        // The child prints `<KIND> <saga id> <step>` for every transition once it is in the log.
        const [kind, step] = durable.split(' ');
        const logged = () => coordinator.lines.some((printed) => printed.startsWith(`${kind} `) && printed.endsWith(` ${step}`));
        await waitUntil(`the child coordinator to log "${durable}"`, () => logged() || coordinator.child.exitCode !== null, 30_000);
        assert.ok(logged(), `the child logged "${durable}": ${coordinator.lines.join(' | ')}`);
      }
      coordinator.child.kill('SIGKILL');
      assert.equal((await coordinator.exited).signal, 'SIGKILL');
      const started = coordinator.lines.find((line) => line.startsWith('STARTED '));
      assert.ok(started, 'the child started a saga');
      return started.split(' ')[1]!;
    },
    freshCoordinator(log, saga = {}, overrides = {}) {
      const orchestrator = createSagaOrchestrator(testOrchestratorOptions(log, overrides));
      orchestrator.register(createContractSaga({ clients: services.clients, jobs: services.jobs, ...saga }));
      orchestrators.push(orchestrator);
      return orchestrator;
    },
    async assertLogRebuildsState(orchestrator, topics) {
      const kafka = testKafka();
      const live = orchestrator.list();
      const readBoth = async () => ({
        stored: await readSagaStates({ kafka, topic: topics.state }),
        folded: foldSagaHistory(await readSagaHistory({ kafka, topic: topics.history })),
      });
      const read = await readCommitted(readBoth, ({ stored, folded }) =>
        live.every((saga) => [stored.get(saga.sagaId)?.saga, folded.get(saga.sagaId)?.saga].every((known) => known !== undefined && equals(SagaSchema, known, saga))),
      );
      const { stored, folded } = read;
      assert.ok(live.length > 0);
      assert.equal(stored.size, live.length);
      assert.equal(folded.size, live.length);
      for (const saga of live) {
        assert.ok(equals(SagaSchema, stored.get(saga.sagaId)!.saga, saga), `the state topic holds the coordinator's snapshot of ${saga.sagaId}`);
        assert.ok(equals(SagaSchema, folded.get(saga.sagaId)!.saga, saga), `folding the history gives the coordinator's snapshot of ${saga.sagaId}`);
      }
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(orchestrators.map((orchestrator) => orchestrator.stop()));
      await services.close();
    },
  };
}
