// The floor a Kafka-transactional saga log sets on this machine: the broker
// round trips one saga's transaction needs, timed alone (no saga, no services),
// with kafkajs (the saga log's producer: createTransactionalProducer) and with
// Apache Kafka's Java client (the jars the local broker runs on, when `java`
// and the jars are there), in turn. Per transaction, as the saga log writes:
// *start* = the first append, which begins the transaction (kafkajs:
// AddPartitionsToTxn + Produce; the Java client adds partitions its own way),
// then a pause standing for the saga's steps, *produce* = the last append (one
// Produce in the open transaction), *commit* = EndTxn; and *idempotent* = the
// same three records sent idempotently with acks=all, no transaction.
// A background saga's tail after its last step is produce + commit.
//   KAFKA_BROKERS=… npx tsx bench/saga/transaction-floor.ts
// Knobs: BENCH_FLOOR_TRANSACTIONS (default 300), BENCH_FLOOR_WARMUP (default
// 100), BENCH_FLOOR_GAP_MS (the pause, default 8), BENCH_FLOOR_ROUNDS (default 2).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel, type Producer } from 'kafkajs';
import { createKafka, kafkaBrokers } from '../../src/kafka/index.js';
import { createTransactionalProducer } from '../../src/kafka/transactional-producer.js';
import { DEFAULT_KAFKA_CACHE_DIR, DEFAULT_KAFKA_VERSION } from '../../src/kafka/kafka-artifacts.js';
import { envInt } from '../env-int.js';

interface Floor {
  start: number;
  produce: number;
  commit: number;
  idempotent: number;
}

const transactions = envInt('BENCH_FLOOR_TRANSACTIONS', 300);
const warmUp = envInt('BENCH_FLOOR_WARMUP', 100);
const gapMs = envInt('BENCH_FLOOR_GAP_MS', 8);
const rounds = envInt('BENCH_FLOOR_ROUNDS', 2);
const brokers = kafkaBrokers();
const javaLib = `${DEFAULT_KAFKA_CACHE_DIR}/${DEFAULT_KAFKA_VERSION}/lib`;
const javaSource = fileURLToPath(new URL('./TransactionFloor.java', import.meta.url));
const haveJava = existsSync(javaLib) && spawnSync('java', ['-version']).status === 0;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function kafkajsFloor(): Promise<Floor> {
  // Quiet: kafkajs logs a retried CONCURRENT_TRANSACTIONS (a start right after the previous commit) as an error.
  const kafka = createKafka({ clientId: 'bench-transaction-floor', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = randomUUID().slice(0, 8);
  const history = `floor-kafkajs-history-${run}`;
  const state = `floor-kafkajs-state-${run}`;
  await admin.createTopics({ topics: [{ topic: history, numPartitions: 1 }, { topic: state, numPartitions: 1 }], waitForLeaders: true });
  const tx = createTransactionalProducer(kafka, { transactionalId: `floor-kafkajs-${run}`, idempotent: true, maxInFlightRequests: 1 });
  const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([tx.connect(), plain.connect()]);
  const value = Buffer.alloc(300);
  const append = { acks: -1, topicMessages: [{ topic: history, messages: [{ key: 'saga', value }, { key: 'saga', value }] }, { topic: state, messages: [{ key: 'saga', value }] }] };
  const timed = async (work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    return performance.now() - t0;
  };
  const seen: Record<keyof Floor, number[]> = { start: [], produce: [], commit: [], idempotent: [] };
  for (let i = 0; i < warmUp + transactions; i++) {
    const transaction = await tx.transaction();
    const start = await timed(() => transaction.sendBatch(append));
    await sleep(gapMs);
    const produce = await timed(() => transaction.sendBatch(append));
    const commit = await timed(() => transaction.commit());
    await sleep(2);
    const idempotent = await timed(() => (plain as Producer).sendBatch(append));
    if (i < warmUp) continue;
    seen.start.push(start);
    seen.produce.push(produce);
    seen.commit.push(commit);
    seen.idempotent.push(idempotent);
  }
  await Promise.all([tx.disconnect(), plain.disconnect()]);
  await admin.deleteTopics({ topics: [history, state] });
  await admin.disconnect();
  return { start: median(seen.start), produce: median(seen.produce), commit: median(seen.commit), idempotent: median(seen.idempotent) };
}

function javaFloor(): Floor {
  const result = spawnSync('java', ['-cp', `${javaLib}/*`, javaSource, brokers.join(','), String(transactions), String(warmUp), String(gapMs)], { encoding: 'utf8' });
  const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
  if (result.status !== 0 || line === undefined) throw new Error(`the Java client's run failed (exit ${result.status}):\n${result.stderr.split('\n').slice(-10).join('\n')}`);
  return JSON.parse(line) as Floor;
}

const results: { client: string; floor: Floor }[] = [];
const load = loadavg()[0]!.toFixed(2);
for (let round = 1; round <= rounds; round++) {
  results.push({ client: 'kafkajs', floor: await kafkajsFloor() });
  if (haveJava) results.push({ client: 'java', floor: javaFloor() });
}
const f = (ms: number) => ms.toFixed(2).padStart(6);
console.log(`${transactions} transactions per run after ${warmUp} warm-ups, ${gapMs} ms between the two appends; load ${load} → ${loadavg()[0]!.toFixed(2)}${haveJava ? '' : '; no java or no Kafka jars: kafkajs only'}`);
console.log('client    start  produce  commit  tail (produce + commit)  idempotent   (p50 ms)');
for (const { client, floor } of results) {
  console.log(`${client.padEnd(8)} ${f(floor.start)} ${f(floor.produce)}  ${f(floor.commit)}  ${f(floor.produce + floor.commit)}                  ${f(floor.idempotent)}`);
}
console.log(JSON.stringify({ bench: 'saga-transaction-floor', machine: { load: loadavg() }, config: { transactions, warmUp, gapMs }, results }));
