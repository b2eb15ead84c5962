import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEventBus, EventChannels } from '../../src/events/index.js';
import { createKafka } from '../../src/kafka/index.js';
import { startLocalBroker, type LocalBroker } from '../../src/kafka/local-broker.js';
import { startFixture, type Child } from '../support/child-process.js';
import { readLines, tallyEffects } from '../support/effect-log.js';
import { freePort } from '../support/free-port.js';
import { uniqueName } from '../support/kafka.js';
import { recordReliability } from '../support/reliability-report.js';
import { waitUntil } from '../support/wait-until.js';

const consumerFixture = fileURLToPath(new URL('../events/fixtures/dedupe-consumer.ts', import.meta.url));
const producerFixture = fileURLToPath(new URL('./fixtures/steady-producer.ts', import.meta.url));

/** EVENTS is the stream's length; RATE its pace (events per second), so the stream lasts 10 s. */
const EVENTS = 2000;
const RATE = 200;
/** DOWN_MS is how long the broker stays dead before it is started again. */
const DOWN_MS = 3000;
/**
 * BROKER_OVERRIDES shorten the controller's wait for the killed incarnation's
 * session (broker.session.timeout.ms, 9 s by default): until it expires, a
 * restarted broker's registration is refused as DUPLICATE_BROKER_REGISTRATION.
 */
const BROKER_OVERRIDES = { 'broker.session.timeout.ms': '3000', 'broker.heartbeat.interval.ms': '1000' };

describe('broker stopped and restarted mid-stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-restart-'));
  const children: Child[] = [];
  const brokers: LocalBroker[] = [];
  after(async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    for (const broker of brokers) await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGKILLed broker: the producer rides the outage out, the consumer resumes, every event has exactly one effect', { timeout: 240_000 }, async (t) => {
    const [port, controllerPort] = [await freePort(), await freePort()];
    const dataDir = join(dir, 'node');
    const first = await startLocalBroker({ port, controllerPort, dataDir, overrides: BROKER_OVERRIDES });
    brokers.push(first);
    assert.equal(first.reused, false, 'a broker of its own, not the shared one');
    const env = { KAFKA_BROKERS: first.brokers.join(','), TOPIC_PREFIX: `${uniqueName('rb')}.` };
    const setup = createEventBus({ source: 'reliability', kafka: createKafka({ brokers: first.brokers }), topicPrefix: env.TOPIC_PREFIX });
    await setup.provisionChannels([EventChannels.USERS]);
    await setup.close();

    const effectsFile = join(dir, 'effects');
    const consumer = startFixture(consumerFixture, [], { ...env, GROUP: uniqueName('rb-group'), EFFECTS_FILE: effectsFile, DUPLICATES_FILE: join(dir, 'duplicates') });
    children.push(consumer);
    await consumer.waitForLine(/^ready$/);
    const producer = startFixture(producerFixture, [], { ...env, COUNT: String(EVENTS), RATE: String(RATE) });
    children.push(producer);
    const startedAt = Number((await producer.waitForLine(/^started /)).split(' ')[1]);

    // Killed once a quarter of the stream is acknowledged: what the consumer has handled by then depends on the machine's load.
    await waitUntil('a quarter of the stream to be acknowledged', () => producer.lines.filter((line) => line.startsWith('acked ')).length >= EVENTS / 4, 30_000);
    process.kill(first.pid!, 'SIGKILL');
    await first.stop();
    const killedAt = Date.now();
    const effectsAtKill = readLines(effectsFile).length;
    assert.ok(effectsAtKill < EVENTS && killedAt - startedAt < (EVENTS * 1000) / RATE, 'the broker died mid-stream, with events still to publish');
    await sleep(DOWN_MS);
    const second = await startLocalBroker({ port, controllerPort, dataDir, overrides: BROKER_OVERRIDES });
    brokers.push(second);
    const backAt = Date.now();
    assert.equal(second.reused, false);

    // Recovery: from the broker answering again until the consumer has had the effect of every event published until then.
    const dueByThen = Math.min(EVENTS, Math.floor(((backAt - startedAt) * RATE) / 1000) + 1);
    const wanted = Array.from({ length: dueByThen }, (_, index) => `evt-${index}`);
    await waitUntil('the consumer to catch up', () => {
      const seen = new Set(readLines(effectsFile));
      return wanted.every((id) => seen.has(id));
    }, 120_000);
    const recoveryMs = Date.now() - backAt;

    const summary = JSON.parse((await producer.waitForLine(/^done /, 120_000)).slice('done '.length)) as {
      published: number;
      lost: number;
      appRetries: number;
      maxLatencyMs: number;
      errors: Record<string, number>;
    };
    t.diagnostic(`producer: ${JSON.stringify(summary)}`);
    assert.equal(summary.published, EVENTS, 'every publish call eventually resolved');
    assert.equal(summary.appRetries, 0, "the toolkit's producer rode the outage out: no publish call rejected");
    assert.ok(summary.maxLatencyMs >= DOWN_MS, `publish calls were pending across the outage (slowest ${summary.maxLatencyMs} ms)`);
    const ids = Array.from({ length: EVENTS }, (_, index) => `evt-${index}`);
    await waitUntil('every event to have its effect', () => new Set(readLines(effectsFile)).size >= EVENTS, 60_000);
    // A moment for a late redelivery to show up as a second effect, if the dedupe helper let one through.
    await sleep(1000);
    await consumer.kill('SIGTERM');
    assert.equal(await consumer.exited, 0, 'the consumer survived the outage and shuts down cleanly');

    const tally = tallyEffects(readLines(effectsFile), ids);
    assert.deepEqual(tally, { lost: 0, duplicates: 0, unexpected: 0 });
    const redelivered = readLines(join(dir, 'duplicates')).length;
    const admin = createKafka({ brokers: second.brokers }).admin();
    await admin.connect();
    const stored = (await admin.fetchTopicOffsets(`${env.TOPIC_PREFIX}${EventChannels.USERS}`)).reduce((sum, partition) => sum + Number(partition.high), 0);
    await admin.disconnect();
    assert.ok(stored >= EVENTS, `the topic holds every event (${stored})`);
    t.diagnostic(
      `killed at ${killedAt - startedAt} ms into the stream (${effectsAtKill} effects), down ${backAt - killedAt} ms (restart ${second.startupMs} ms); ` +
        `caught up ${recoveryMs} ms after; records stored ${stored}, redeliveries skipped ${redelivered}`,
    );
    recordReliability({
      area: 'faults',
      faultOrInput: 'Kafka broker SIGKILLed mid-stream, restarted on the same data dir after 3 s',
      load: `${EVENTS.toLocaleString('en')} events at ${RATE}/s from a producer process to a consumer process (dedupe helper)`,
      lost: tally.lost,
      duplicates: tally.duplicates,
      recoveryMs,
      command: 'npm test -- test/reliability/broker-restart',
      notes:
        `broker down ${((backAt - killedAt) / 1000).toFixed(1)} s (${DOWN_MS / 1000} s dead, then its JVM restart); no publish call rejected, slowest took ${(summary.maxLatencyMs / 1000).toFixed(1)} s; ` +
        `${stored - EVENTS} extra copies stored, ${redelivered} redeliveries skipped by the dedupe helper`,
    });
  });
});
