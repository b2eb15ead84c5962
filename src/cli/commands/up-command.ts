import type { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SagaStatus } from '../../../gen/mesh/v1/saga_pb.js';
import { channelTopicSpecs, EventChannelCatalogue } from '../../events/index.js';
import { jobTopics } from '../../jobs/index.js';
import { createKafka, ensureTopics } from '../../kafka/index.js';
import { DEFAULT_SAGA_TOPICS, readSagaStates } from '../../saga/index.js';
import { NOTIFICATION_QUEUES } from '../components/notification-queues.js';
import type { SagaCounts } from '../status-frame.js';
import { ensureKafka } from '../../kafka/ensure-kafka.js';
import type { LocalBroker } from '../../kafka/local-broker.js';
import { KAFKA_BROKERS_ENV } from '../../kafka/kafka-brokers.js';
import type { RunningComponent } from '../mesh-component.js';
import { meshComponents } from '../mesh-components.js';
import { parseMilliseconds } from '../parse-milliseconds.js';
import { shutdownSignal } from '../shutdown-signal.js';
import { startComponents, stopComponents } from '../start-components.js';
import { createStatusCollector } from '../status-collector.js';
import { createStatusDisplay } from '../status-display.js';
import { CliError } from '../cli-error.js';
import { runDemo } from '../run-demo.js';

/** DEFAULT_REFRESH_MS is how often the live status table is refreshed. */
export const DEFAULT_REFRESH_MS = 2_000;

interface UpOptions {
  kafka: boolean;
  refresh: number;
  demo?: boolean;
}

/** registerUpCommand adds `mesh up` (= `npm start`): bring the mesh up and keep it up until Ctrl-C. */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start (or reuse) Kafka, provision the event topics, start the services, show their status; Ctrl-C stops everything')
    .option('--no-kafka', 'keep events in memory and start no broker')
    .option('--refresh <ms>', 'status refresh interval in ms', parseMilliseconds, DEFAULT_REFRESH_MS)
    .option('--demo', 'once everything is ready, run `mesh demo` against it (needs Kafka)')
    .action(async (options: UpOptions) => {
      if (options.demo && !options.kafka) throw new CliError('BAD_ARGUMENT', '--demo needs Kafka: the saga coordinator and job workers run on it; drop --no-kafka');
      const code = await up(options);
      process.exit(code);
    });
}

async function up(options: UpOptions): Promise<number> {
  const startedAt = Date.now();
  // Listen from the start, so a Ctrl-C during start-up still stops what was started.
  let stopRequested = false;
  const stopping = new AbortController();
  const stopSignal = shutdownSignal().then((signal) => {
    stopRequested = true;
    stopping.abort(new Error(`stopped by ${signal}`));
    return signal;
  });
  const say = (line: string) => process.stdout.write(`mesh: ${line}\n`);

  let broker: LocalBroker | undefined;
  let admin: Admin | undefined;
  let running: RunningComponent[] = [];
  const teardown = async () => {
    await stopComponents(running);
    if (running.length > 0) say(`stopped ${running.map((component) => `${component.name} (pid ${component.pid})`).join(', ')}`);
    await admin?.disconnect().catch(() => undefined);
    if (broker && !broker.reused) {
      say('stopping Kafka...');
      await broker.stop();
    }
  };

  try {
    const env = { ...process.env };
    if (options.kafka) {
      broker = await ensureKafka();
      say(`Kafka ${broker.reused ? 'reused' : `started (pid ${broker.pid})`} at ${broker.brokers.join(',')} (${broker.startupMs} ms)`);
      env[KAFKA_BROKERS_ENV] = broker.brokers.join(',');
      if (!stopRequested) {
        admin = createKafka({ clientId: 'mesh-cli', brokers: broker.brokers }).admin();
        await admin.connect();
        const topics = await ensureTopics(admin, channelTopicSpecs(EventChannelCatalogue));
        say(`event topics ready (${topics.created.length} created, ${topics.existing.length} existing)`);
      }
    } else {
      say('no Kafka: events stay in memory');
    }
    if (!stopRequested) {
      const servicesStartedAt = Date.now();
      running = await startComponents(meshComponents({ env, kafka: options.kafka }), {
        signal: stopping.signal,
        onReady: (component) => {
          // A service is ready when grpc.health.v1 says SERVING; other kinds have their own notion of ready.
          const ready = component.kind === 'service' ? 'SERVING' : 'ready';
          const where = component.url ? ` at ${component.url}` : '';
          say(`${component.name} ${ready}${where} (pid ${component.pid}, ready in ${component.readyMs} ms, log ${component.logFile ?? '-'})`);
        },
      });
      say(`all ${running.length} components ready in ${Date.now() - servicesStartedAt} ms (${Date.now() - startedAt} ms since start); Ctrl-C stops everything`);
    }
  } catch (error) {
    // startComponents already stopped the components it started; the broker and admin remain.
    running = [];
    if (!stopRequested) {
      await teardown();
      throw error;
    }
  }

  if (!stopRequested && options.demo && broker) await demo(broker, stopping.signal, say);
  if (!stopRequested) await watch(running, admin, broker, options.refresh, stopSignal);
  say('shutting down...');
  await teardown();
  say('stopped');
  return 0;
}

async function demo(broker: LocalBroker, signal: AbortSignal, say: (line: string) => void): Promise<void> {
  say('running the demo...');
  try {
    const result = await runDemo({ kafka: createKafka({ clientId: 'mesh-demo', brokers: broker.brokers }), print: (line) => process.stdout.write(`${line}\n`) });
    say(`demo done: saga ${result.sagaId} ${result.sagaStatus}; trace id ${result.traceId}`);
  } catch (error) {
    // The mesh stays up: a failed demo is reported, not fatal.
    if (!signal.aborted) say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** countSagas counts the sagas of the saga log by status ({} before any saga ran). */
async function countSagas(admin: Admin, broker: LocalBroker): Promise<SagaCounts> {
  if (!(await admin.listTopics()).includes(DEFAULT_SAGA_TOPICS.state)) return {};
  const stored = await readSagaStates({ kafka: createKafka({ clientId: 'mesh-cli-sagas', brokers: broker.brokers }), topic: DEFAULT_SAGA_TOPICS.state });
  const counts: SagaCounts = {};
  for (const { saga } of stored.values()) {
    const status = SagaStatus[saga.status] ?? 'UNSPECIFIED';
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

async function watch(running: RunningComponent[], admin: Admin | undefined, broker: LocalBroker | undefined, refreshMs: number, stopSignal: Promise<unknown>): Promise<void> {
  const startedAt = Date.now();
  const kafka = broker ? `Kafka ${broker.brokers.join(',')}` : 'no Kafka';
  const collector = createStatusCollector({
    components: running,
    admin,
    lagTopics: [...EventChannelCatalogue.map((spec) => spec.channel), ...NOTIFICATION_QUEUES.map((queue) => jobTopics(queue, '', []).main)],
    ...(admin && broker ? { countSagas: () => countSagas(admin, broker) } : {}),
    title: () => `mesh up · ${kafka} · up ${Math.round((Date.now() - startedAt) / 1000)} s · Ctrl-C stops everything`,
  });
  const display = createStatusDisplay();
  const stop = new AbortController();
  void stopSignal.then(() => stop.abort());
  while (!stop.signal.aborted) {
    const frame = await collector.collect();
    if (stop.signal.aborted) break;
    display.show(frame);
    await sleep(refreshMs, undefined, { signal: stop.signal }).catch(() => undefined);
  }
  display.close();
  await collector.settled();
}
