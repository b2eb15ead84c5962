import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEventBus } from '../../src/events/index.js';
import { createKafka } from '../../src/kafka/index.js';
import { benchConfig as config, CHANNEL, entry, rawMessage, rawProducer } from './bench-config.js';
import { eventScenarios, type Measured, type MeshSide, type RawSide } from './event-scenarios.js';

/** SIDE_PROCESS_ENV marks a process started by startSide; it carries the side and the topics as JSON. */
export const SIDE_PROCESS_ENV = 'BENCH_EVENTS_SIDE_PROCESS';

const WARMUP_PUBLISH_RECORDS = 1000;

/** Side is who does the work: the toolkit, or kafkajs alone. */
export type Side = 'mesh' | 'raw';

/** BenchTopics is what the parent tells each side's process. */
export interface BenchTopics {
  brokers: string[];
  /** The mesh side publishes to `${meshPrefix}${CHANNEL}`. */
  meshPrefix: string;
  rawTopic: string;
  /** `${readPrefix}${CHANNEL}` holds consumeRecords events; consume and replay read it. */
  readPrefix: string;
  groupPrefix: string;
}

type Command = { run: number } | { close: true };
type Reply = { ready: true } | { result: Measured } | { error: string } | { closed: true };

/** SideProcess is a running side: it measures one scenario when told to, so the parent can pair mesh and raw measurements closely in time. */
export interface SideProcess {
  /** run warms the scenario up and measures it once. */
  run(scenario: number): Promise<Measured>;
  close(): Promise<void>;
}

/** startSide starts a process for `side` and resolves once it is connected and warmed up. */
export async function startSide(side: Side, topics: BenchTopics): Promise<SideProcess> {
  // fork reuses this process's Node flags, tsx's loader among them.
  const child = fork(fileURLToPath(new URL('./side-process.ts', import.meta.url)), [], {
    env: { ...process.env, [SIDE_PROCESS_ENV]: JSON.stringify({ side, topics }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${side} process did not answer within ${config.timeoutMs} ms`)), config.timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`the ${side} process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (reply: Reply) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(reply);
      });
    });
  const expect = async <K extends string>(key: K): Promise<Extract<Reply, Record<K, unknown>>> => {
    const reply = await next();
    if ('error' in reply) throw new Error(`${side}: ${reply.error}`);
    if (!(key in reply)) throw new Error(`${side}: unexpected reply ${JSON.stringify(reply)}`);
    return reply as Extract<Reply, Record<K, unknown>>;
  };
  try {
    await expect('ready');
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    async run(scenario) {
      child.send({ run: scenario } satisfies Command);
      return (await expect('result')).result;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.send({ close: true } satisfies Command);
      await expect('closed').catch(() => child.kill());
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}

async function serve(child: NodeJS.Process, side: Side, topics: BenchTopics): Promise<void> {
  const send = (reply: Reply) => new Promise<void>((resolve) => child.send!(reply, undefined, undefined, () => resolve()));
  const kafka = createKafka({ clientId: `bench-events-${side}`, brokers: topics.brokers });
  const readTopic = `${topics.readPrefix}${CHANNEL}`;
  let measure: (scenario: number) => Promise<Measured>;
  let close: () => Promise<unknown>;
  if (side === 'mesh') {
    const bus = createEventBus({ source: 'bench', kafka, topicPrefix: topics.meshPrefix });
    const readBus = createEventBus({ source: 'bench', kafka, topicPrefix: topics.readPrefix });
    const context: MeshSide = { kafka, bus, readBus, readTopic, groupPrefix: topics.groupPrefix };
    await bus.publishBatch(Array.from({ length: WARMUP_PUBLISH_RECORDS }, (_, i) => entry(i)));
    measure = async (index) => {
      const scenario = eventScenarios[index]!;
      await scenario.warmMesh?.(context);
      return scenario.mesh(context);
    };
    close = () => Promise.allSettled([bus.close(), readBus.close()]);
  } else {
    const producer = rawProducer(kafka);
    await producer.connect();
    const context: RawSide = { kafka, producer, publishTopic: topics.rawTopic, readTopic, groupPrefix: topics.groupPrefix };
    await producer.send({ topic: topics.rawTopic, acks: -1, messages: Array.from({ length: WARMUP_PUBLISH_RECORDS }, (_, i) => rawMessage(i)) });
    measure = async (index) => {
      const scenario = eventScenarios[index]!;
      await scenario.warmRaw?.(context);
      return scenario.raw(context);
    };
    close = () => producer.disconnect();
  }
  child.on('message', (command: Command) => {
    void (async () => {
      if ('close' in command) {
        await close();
        await send({ closed: true });
        // A client's lingering timer must not keep the process, and the round, waiting.
        process.exit(0);
      }
      try {
        await send({ result: await measure(command.run) });
      } catch (error) {
        await send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
  await send({ ready: true });
}

const assignment = process.env[SIDE_PROCESS_ENV];
if (assignment && process.send) {
  const { side, topics } = JSON.parse(assignment) as { side: Side; topics: BenchTopics };
  await serve(process, side, topics).catch(async (error: unknown) => {
    process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply);
    process.exitCode = 1;
  });
}
