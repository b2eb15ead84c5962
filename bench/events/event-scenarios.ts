import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import type { EventBus } from '../../src/events/index.js';
import { replay } from '../../src/replay/index.js';
import { benchConfig as config, CHANNEL, counter, cpuMicros, entry, rawMessage, runPool, withTimeout, type Counter } from './bench-config.js';

/** Measured is one side's result in one round. */
export interface Measured {
  /** Records per second. */
  rate: number;
  /** Consumers only: records per second from the first record handled to the last. */
  dispatch?: number;
  /** This process's CPU time per record over the measured window, in microseconds: what the client costs, whatever else loads the machine. */
  cpuPerRecord: number;
}

/** MeshSide is what the mesh side measures with: event buses on a shared producer, and replay. */
export interface MeshSide {
  kafka: Kafka;
  /** Publishes to its own fresh topic. */
  bus: EventBus;
  /** Subscribes to the topic consume and replay read. */
  readBus: EventBus;
  readTopic: string;
  groupPrefix: string;
}

/** RawSide is what the raw side measures with: a kafkajs producer and consumers. */
export interface RawSide {
  kafka: Kafka;
  producer: Producer;
  publishTopic: string;
  readTopic: string;
  groupPrefix: string;
}

/** Scenario is one comparison: the same work done by the mesh and by raw kafkajs. */
export interface Scenario {
  name: string;
  /** What the raw side does, in a few words. */
  baseline: string;
  mesh(side: MeshSide): Promise<Measured>;
  raw(side: RawSide): Promise<Measured>;
  /** Runs before the measurement in each process, so both sides are measured with warm code. */
  warmMesh?(side: MeshSide): Promise<void>;
  warmRaw?(side: RawSide): Promise<void>;
}

function published(records: number, started: number, cpu: number): Measured {
  return { rate: records / ((performance.now() - started) / 1000), cpuPerRecord: (cpuMicros() - cpu) / records };
}

function consumed(records: number, started: number, cpu: number, count: Counter, last: number): Measured {
  // Records can arrive before the awaited join returns to the caller; the window then starts at the first.
  const from = Math.min(started, count.first);
  return { rate: records / ((last - from) / 1000), dispatch: (records - 1) / ((last - count.first) / 1000), cpuPerRecord: (count.lastCpu - cpu) / records };
}

const publishBatch: Scenario = {
  name: `publish, batch API (${config.batchSize} per call, 1 call in flight)`,
  baseline: `producer.send of ${config.batchSize} records, 1 in flight`,
  async mesh({ bus }) {
    const entries = Array.from({ length: config.batchRecords }, (_, i) => entry(i));
    const started = performance.now();
    const cpu = cpuMicros();
    for (let i = 0; i < entries.length; i += config.batchSize) await bus.publishBatch(entries.slice(i, i + config.batchSize));
    return published(config.batchRecords, started, cpu);
  },
  async raw({ producer, publishTopic }) {
    const messages = Array.from({ length: config.batchRecords }, (_, i) => rawMessage(i));
    const started = performance.now();
    const cpu = cpuMicros();
    for (let i = 0; i < messages.length; i += config.batchSize) await producer.send({ topic: publishTopic, acks: -1, messages: messages.slice(i, i + config.batchSize) });
    return published(config.batchRecords, started, cpu);
  },
};

const publishSingle: Scenario = {
  name: `publish, single events (${config.concurrency} in flight)`,
  baseline: `producer.send of 1 record, ${config.concurrency} in flight`,
  async mesh({ bus }) {
    const entries = Array.from({ length: config.singleRecords }, (_, i) => entry(i));
    const started = performance.now();
    const cpu = cpuMicros();
    await runPool(entries.length, config.concurrency, (i) => bus.publish(CHANNEL, UserCreatedSchema, entries[i]!.payload, entries[i]!.options));
    return published(config.singleRecords, started, cpu);
  },
  async raw({ producer, publishTopic }) {
    const messages = Array.from({ length: config.singleRecords }, (_, i) => rawMessage(i));
    const started = performance.now();
    const cpu = cpuMicros();
    await runPool(messages.length, config.concurrency, (i) => producer.send({ topic: publishTopic, acks: -1, messages: [messages[i]!] }));
    return published(config.singleRecords, started, cpu);
  },
};

// Replay counts from the call to the last record: a replay has to find its
// window's ends (admin connection, offsets) and join before it reads, and so
// does the raw side, which reads up to the high watermarks it fetched first.
async function replayMesh({ kafka, readTopic }: MeshSide, records: number): Promise<Measured> {
  const count = counter(records);
  const started = performance.now();
  const cpu = cpuMicros();
  const summary = await withTimeout('replay', replay({ kafka, topics: [readTopic], handler: async () => count.hit() }));
  if (summary.records !== records) throw new Error(`replay delivered ${summary.records} records, expected ${records}`);
  return consumed(records, started, cpu, count, await count.done);
}

async function replayRaw({ kafka, readTopic, groupPrefix }: RawSide, to?: number): Promise<Measured> {
  const started = performance.now();
  const cpu = cpuMicros();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(readTopic);
  const records = offsets.reduce((sum, { high, low }) => sum + Math.min(Number(high), to ?? Infinity) - Number(low), 0);
  const count = counter(records);
  // What replay's reader is: a throwaway group, autoCommit off, eachBatch, 250 ms fetch wait.
  const consumer = kafka.consumer({ groupId: `${groupPrefix}-rawreplay-${randomUUID()}`, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [readTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) if (to === undefined || Number(message.offset) < to) count.hit();
      },
    });
    return consumed(records, started, cpu, count, await withTimeout('raw replay', count.done));
  } finally {
    await Promise.allSettled([consumer.disconnect(), admin.disconnect()]);
  }
}

const replayWhole: Scenario = {
  name: 'replay (no-op handler, whole topic)',
  baseline: 'admin.fetchTopicOffsets, then consumer.run eachBatch, fresh group, autoCommit off',
  mesh: (side) => replayMesh(side, config.consumeRecords),
  raw: (side) => replayRaw(side),
  warmMesh: async ({ kafka, readTopic }) => void (await replay({ kafka, topics: [readTopic], to: { offset: Math.ceil(config.warmupRecords / config.partitions) }, handler: async () => undefined })),
  warmRaw: async (side) => void (await replayRaw(side, Math.ceil(config.warmupRecords / config.partitions))),
};

// Consumers count from the moment they are members of their group (subscribe
// and run resolve after the join) to the last record handled: fetching,
// kafkajs's protocol decoding, the bus's decoding, handlers and commits, but
// not connecting and joining, which cost the same on both sides and are not
// throughput.
async function consumeMesh({ readBus, groupPrefix }: MeshSide, records: number): Promise<Measured> {
  const count = counter(records);
  const unsubscribe = await readBus.subscribe(CHANNEL, async () => count.hit(), { group: `${groupPrefix}-bus-${randomUUID()}`, fromBeginning: true });
  const joined = performance.now();
  const cpu = cpuMicros();
  try {
    return consumed(records, joined, cpu, count, await withTimeout('bus consume', count.done));
  } finally {
    await unsubscribe();
  }
}

async function consumeRaw({ kafka, readTopic, groupPrefix }: RawSide, records: number): Promise<Measured> {
  const count = counter(records);
  // The runner's settings: auto-commit every second, one partition at a time, 500 ms fetch wait.
  const consumer = kafka.consumer({ groupId: `${groupPrefix}-raw-${randomUUID()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [readTopic], fromBeginning: true });
    await consumer.run({ autoCommit: true, autoCommitInterval: 1000, partitionsConsumedConcurrently: 1, eachMessage: async () => count.hit() });
    const joined = performance.now();
    const cpu = cpuMicros();
    return consumed(records, joined, cpu, count, await withTimeout('raw consume', count.done));
  } finally {
    await consumer.disconnect();
  }
}

const consume: Scenario = {
  name: 'consume (subscribe, no-op handler, decode included)',
  baseline: 'consumer.run eachMessage, no-op, auto-commit',
  mesh: (side) => consumeMesh(side, config.consumeRecords),
  raw: (side) => consumeRaw(side, config.consumeRecords),
  warmMesh: async (side) => void (await consumeMesh(side, config.warmupRecords)),
  warmRaw: async (side) => void (await consumeRaw(side, config.warmupRecords)),
};

/**
 * eventScenarios are run in this order in each process. Replay goes before
 * consume: a subscription turns on AsyncLocalStorage (handlers run in the
 * event's request context), whose promise hooks then cost every promise of
 * the process, and replay should not be charged for it.
 */
export const eventScenarios: readonly Scenario[] = [publishBatch, publishSingle, replayWhole, consume].filter((scenario) => scenario.name.includes(config.only));
