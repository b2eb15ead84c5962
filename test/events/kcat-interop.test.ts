import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { create, equals, fromBinary } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { EventChannels, EventContentTypes, type ConsumedEvent, type EventBus } from '../../src/events/index.js';
import { kafkaBrokers } from '../../src/kafka/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { testBus, waitFor } from './event-test-support.js';

const KCAT_TIMEOUT_MS = 20_000;

/** kcat runs kcat with `input` on stdin and returns its stdout; it fails on a non-zero exit. */
function kcat(args: string[], input = ''): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', kafkaBrokers().join(','), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), KCAT_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`kcat ${args.join(' ')} exited with ${code ?? signal}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(input);
  });
}

describe('interop with kcat (CloudEvents Kafka binding, binary mode)', () => {
  const kafka = testKafka();
  const buses: EventBus[] = [];
  before(() => {
    const probe = spawnSync('kcat', ['-V']);
    if (probe.error || probe.status !== 0) {
      throw new Error('kcat is not on PATH: these interop tests need it. Install it with `apt-get update && apt-get install -y kcat` (.ci/run does).');
    }
  });
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  test('an event kcat produced with ce_* headers and a JSON value is consumed by the bus', async () => {
    const bus = testBus({ kafka });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const received: ConsumedEvent[] = [];
    const unsubscribe = await bus.subscribe(EventChannels.USERS, async (event) => void received.push(event), { group: uniqueName('g'), fromBeginning: true });
    const headers = {
      ce_specversion: '1.0',
      ce_id: 'kcat-event-1',
      ce_type: 'auth.v1.UserCreated',
      ce_source: '/tools/kcat',
      ce_time: '2026-03-04T05:06:07.5+01:00',
      ce_subject: 'u-kcat',
      ce_correlationid: 'corr-kcat',
      'content-type': 'application/json; charset=utf-8',
      traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`,
    };
    const value = JSON.stringify({ userId: 'u-kcat', email: 'kcat@example.com', roles: ['ROLE_CLIENT'], createdAt: '2026-03-04T04:06:07.500Z', someFutureField: 1 });
    await kcat(['-P', '-t', bus.topicOf(EventChannels.USERS), '-k', 'u-kcat', ...Object.entries(headers).flatMap(([name, v]) => ['-H', `${name}=${v}`])], `${value}\n`);
    try {
      await waitFor('the kcat event', () => received.length === 1);
    } finally {
      await unsubscribe();
    }
    const event = received[0]!;
    assert.equal(event.id, 'kcat-event-1');
    assert.equal(event.type, 'auth.v1.UserCreated');
    assert.equal(event.source, '/tools/kcat');
    assert.equal(event.subject, 'u-kcat');
    assert.equal(event.key, 'u-kcat');
    assert.equal(event.correlationId, 'corr-kcat');
    assert.equal(event.contentType, EventContentTypes.JSON);
    assert.equal(event.time?.toISOString(), '2026-03-04T04:06:07.500Z');
    assert.equal(event.traceparent, headers.traceparent);
    const payload = event.payload as ReturnType<typeof create<typeof UserCreatedSchema>>;
    assert.equal(payload.$typeName, 'auth.v1.UserCreated');
    assert.equal(payload.userId, 'u-kcat');
    assert.equal(payload.email, 'kcat@example.com');
    assert.deepEqual(payload.roles, [Role.CLIENT]);
    assert.equal(payload.createdAt?.seconds, BigInt(Date.parse('2026-03-04T04:06:07Z') / 1000));
  });

  test('kcat reads an event the bus produced, with its ce_* headers, key and protobuf value', async () => {
    const bus = testBus({ kafka, source: 'auth' });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const payload = create(UserCreatedSchema, { userId: 'u-bus', email: 'bus@example.com', displayName: 'Ünïcode ✓' });
    const published = await bus.publish(EventChannels.USERS, UserCreatedSchema, payload, { aggregateId: 'u-bus', aggregateType: 'user', correlationId: 'corr-bus' });
    const topic = bus.topicOf(EventChannels.USERS);
    const read = (format: string) => kcat(['-C', '-t', topic, '-p', String(published.partition), '-o', published.offset, '-c', '1', '-e', '-f', format]);
    const meta = (await read('%k|%h')).toString('utf8');
    const [key, headerText] = meta.split('|');
    assert.equal(key, 'u-bus');
    const headers = Object.fromEntries(headerText!.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    assert.equal(headers.ce_specversion, '1.0');
    assert.equal(headers.ce_id, published.id);
    assert.equal(headers.ce_type, 'auth.v1.UserCreated');
    assert.equal(headers.ce_source, '/mesh/auth');
    assert.equal(headers.ce_subject, 'u-bus');
    assert.equal(headers['content-type'], 'application/protobuf');
    assert.equal(headers.ce_correlationid, 'corr-bus');
    assert.equal(headers.ce_aggregatetype, 'user');
    assert.ok(!Number.isNaN(Date.parse(headers.ce_time ?? '')), `ce_time is RFC 3339: ${headers.ce_time}`);
    const value = await read('%s');
    assert.ok(equals(UserCreatedSchema, fromBinary(UserCreatedSchema, value), payload), 'the value kcat read is the protobuf message');
  });
});
