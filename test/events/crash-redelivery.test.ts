import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { EventChannels, type EventBus } from '../../src/events/index.js';
import { kafkaBrokers } from '../../src/kafka/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { testBus, waitFor } from './event-test-support.js';

const fixture = fileURLToPath(new URL('./fixtures/dedupe-consumer.ts', import.meta.url));
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('a consumer process killed mid-batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crash-redelivery-'));
  const children: ChildProcess[] = [];
  const buses: EventBus[] = [];
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(buses.map((bus) => bus.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  function startConsumer(env: Record<string, string>): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, KAFKA_BROKERS: kafkaBrokers().join(','), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, exited };
  }

  test('loses nothing, and the redelivered events have one effect through the dedupe helper', async (t) => {
    const bus = testBus({ kafka: testKafka() });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const total = 300;
    const published = await bus.publishBatch(
      Array.from({ length: total }, (_, i) => ({ channel: EventChannels.USERS, schema: UserCreatedSchema, payload: create(UserCreatedSchema, { userId: `u${i}` }), options: { aggregateId: `agg-${i % 10}` } })),
    );
    const env = {
      TOPIC_PREFIX: bus.topicOf(''),
      GROUP: uniqueName('crash'),
      EFFECTS_FILE: join(dir, 'effects'),
      DUPLICATES_FILE: join(dir, 'duplicates'),
      // Commit rarely, so the kill surely lands on handled but uncommitted records.
      COMMIT_INTERVAL: '60000',
    };

    const first = startConsumer({ ...env, DELAY_MS: '10' });
    await waitFor('the first consumer to be mid-way', () => lines(env.EFFECTS_FILE).length >= 80, 25_000);
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const beforeKill = lines(env.EFFECTS_FILE).length;
    assert.ok(beforeKill < total, `killed before the end (${beforeKill} effects)`);

    const second = startConsumer(env);
    await waitFor('every event to have its effect', () => new Set(lines(env.EFFECTS_FILE)).size >= total, 25_000);
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0, 'the second consumer shuts down cleanly');

    const effects = lines(env.EFFECTS_FILE);
    assert.equal(effects.length, total, 'one effect per event');
    assert.deepEqual([...effects].sort(), published.map((event) => event.id).sort(), 'every published event had its effect');
    const duplicates = lines(env.DUPLICATES_FILE);
    assert.ok(duplicates.length > 0, 'some events were delivered again after the kill (and skipped)');
    assert.ok(duplicates.every((id) => effects.includes(id)));
    t.diagnostic(`effects before SIGKILL: ${beforeKill}; redelivered and skipped: ${duplicates.length}`);
  });
});
