import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { DeadLetterHeaders, deadLetterTopic, EventBusError, EventChannels, type EventBus } from '../../src/events/index.js';
import { createMeshProducer } from '../../src/kafka/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { header, readTopic, testBus, waitFor } from './event-test-support.js';

describe('dead letters', () => {
  const kafka = testKafka();
  const buses: EventBus[] = [];
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  test('poison records go to the DLQ at once with their reason, a failing handler after its retries, and the records after them are handled', async () => {
    const bus = testBus({ kafka, source: 'auth', retry: { attempts: 3, backoff: { initialDelay: 50, jitter: 'none' } } });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const topic = bus.topicOf(EventChannels.USERS);
    const user = (userId: string) => create(UserCreatedSchema, { userId, email: `${userId}@example.com` });
    const ce = (type: string, id: string) => ({ ce_specversion: '1.0', ce_id: id, ce_type: type, ce_source: '/test', 'content-type': 'application/protobuf' });
    const raw = createMeshProducer(kafka);
    const validBytes = Buffer.from(toBinary(UserCreatedSchema, user('x')));
    const poison = [
      { reason: 'DECODE_FAILED', headers: ce('auth.v1.UserCreated', 'p-corrupt'), value: Buffer.from([0xff, 0xff, 0xff, 0xff]) },
      { reason: 'UNKNOWN_TYPE', headers: ce('auth.v1.NoSuchEvent', 'p-unknown'), value: validBytes },
      { reason: 'MISSING_HEADER', headers: { ...ce('auth.v1.UserCreated', 'p-noid'), ce_id: '' }, value: validBytes },
      { reason: 'UNSUPPORTED_SPEC_VERSION', headers: { ...ce('auth.v1.UserCreated', 'p-spec'), ce_specversion: '0.3' }, value: validBytes },
      { reason: 'UNSUPPORTED_CONTENT_TYPE', headers: { ...ce('auth.v1.UserCreated', 'p-ct'), 'content-type': 'text/plain' }, value: validBytes },
    ];
    // One aggregate, one partition: every record queues behind the poison ones.
    await bus.publish(EventChannels.USERS, UserCreatedSchema, user('good-1'), { aggregateId: 'agg' });
    const poisonAcks = await raw.send(poison.map((p) => ({ topic, key: 'agg', value: p.value, headers: p.headers })));
    await bus.publish(EventChannels.USERS, UserCreatedSchema, user('fail'), { aggregateId: 'agg' });
    await bus.publish(EventChannels.USERS, UserCreatedSchema, user('good-2'), { aggregateId: 'agg' });
    await raw.close();

    const handled: string[] = [];
    let failures = 0;
    const group = uniqueName('g');
    const unsubscribe = await bus.subscribe(
      EventChannels.USERS,
      async (event) => {
        const { userId } = event.payload as ReturnType<typeof user>;
        if (userId === 'fail') {
          failures++;
          throw new Error('the handler cannot take this one');
        }
        handled.push(userId);
      },
      { group, fromBeginning: true },
    );
    try {
      await waitFor('the records after the poison', () => handled.length === 2);
    } finally {
      await unsubscribe();
    }
    assert.deepEqual(handled, ['good-1', 'good-2']);
    assert.equal(failures, 3, 'the failing handler ran attempts=3 times');

    const dead = await readTopic(kafka, deadLetterTopic(topic), poison.length + 1);
    assert.equal(dead.length, poison.length + 1);
    for (const [i, p] of poison.entries()) {
      const record = dead[i]!;
      assert.equal(header(record, DeadLetterHeaders.ERROR_CODE), p.reason, `poison ${i} is dead-lettered with its reason`);
      assert.ok((header(record, DeadLetterHeaders.ERROR_MESSAGE) ?? '').length > 0);
      assert.equal(header(record, DeadLetterHeaders.ATTEMPTS), '0');
      assert.equal(header(record, DeadLetterHeaders.ORIGIN_TOPIC), topic);
      assert.equal(header(record, DeadLetterHeaders.ORIGIN_PARTITION), String(poisonAcks[i]!.partition));
      assert.equal(header(record, DeadLetterHeaders.ORIGIN_OFFSET), poisonAcks[i]!.offset);
      assert.equal(header(record, DeadLetterHeaders.CONSUMER_GROUP), group);
      assert.ok(!Number.isNaN(Date.parse(header(record, DeadLetterHeaders.FAILED_AT) ?? '')));
      assert.equal(String(record.key), 'agg', 'the key is kept');
      assert.deepEqual(record.value, p.value, 'the value is kept byte for byte');
      for (const [name, value] of Object.entries(p.headers)) assert.equal(header(record, name) ?? '', value, `header ${name} is kept`);
    }
    const failed = dead[poison.length]!;
    assert.equal(header(failed, DeadLetterHeaders.ERROR_CODE), 'HANDLER_FAILED');
    assert.equal(header(failed, DeadLetterHeaders.ATTEMPTS), '3');
    assert.match(header(failed, DeadLetterHeaders.ERROR_MESSAGE) ?? '', /the handler cannot take this one/);
    assert.equal(header(failed, 'ce_type'), 'auth.v1.UserCreated');

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    await admin.disconnect();
    const committed = offsets!.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
    assert.equal(committed, poison.length + 3, 'the group committed past every record, poison included');
  });

  // The bus decodes a protobuf payload when the handler reads it (see readConsumedEvent):
  // a value that is protobuf on the wire but not a valid message (here a string field that
  // is not UTF-8) passes the up-front check and fails on first access.
  test('a payload that fails to decode only when read: a handler that never reads it handles the event; one that reads it gets a typed error, and the record is dead-lettered at once with DECODE_FAILED, caught or not', async () => {
    const bus = testBus({ kafka, source: 'auth', retry: { attempts: 3, backoff: { initialDelay: 50, jitter: 'none' } } });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const topic = bus.topicOf(EventChannels.USERS);
    const ce = (id: string) => ({ ce_specversion: '1.0', ce_id: id, ce_type: 'auth.v1.UserCreated', ce_source: '/test', 'content-type': 'application/protobuf' });
    const notUtf8 = Buffer.from([0x0a, 0x02, 0xc3, 0x28]);
    const raw = createMeshProducer(kafka);
    const acks = await raw.send([
      { topic, key: 'agg', value: notUtf8, headers: ce('ignored') },
      { topic, key: 'agg', value: notUtf8, headers: ce('thrown') },
      { topic, key: 'agg', value: notUtf8, headers: ce('caught') },
      { topic, key: 'agg', value: Buffer.from(toBinary(UserCreatedSchema, create(UserCreatedSchema, { userId: 'after' }))), headers: ce('after') },
    ]);
    await raw.close();

    const calls = new Map<string, number>();
    const errors: unknown[] = [];
    const group = uniqueName('g');
    const unsubscribe = await bus.subscribe(
      EventChannels.USERS,
      async (event) => {
        calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
        if (event.id === 'ignored') return;
        if (event.id === 'caught') {
          try {
            void event.payload;
          } catch (error) {
            errors.push(error);
          }
          return;
        }
        void (event.payload as ReturnType<typeof create<typeof UserCreatedSchema>>).userId;
      },
      { group, fromBeginning: true },
    );
    try {
      await waitFor('the record after the broken ones', () => calls.has('after'));
    } finally {
      await unsubscribe();
    }
    assert.deepEqual(Object.fromEntries(calls), { ignored: 1, thrown: 1, caught: 1, after: 1 }, 'each handled once: a decode failure is not retried');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof EventBusError && errors[0].code === 'DECODE_FAILED', 'reading the payload throws a typed DECODE_FAILED');

    const dead = await readTopic(kafka, deadLetterTopic(topic), 2);
    assert.deepEqual(dead.map((record) => header(record, 'ce_id')), ['thrown', 'caught'], 'the event whose payload was never read is not dead-lettered');
    for (const [i, record] of dead.entries()) {
      assert.equal(header(record, DeadLetterHeaders.ERROR_CODE), 'DECODE_FAILED');
      assert.match(header(record, DeadLetterHeaders.ERROR_MESSAGE) ?? '', /^the value is not a valid auth\.v1\.UserCreated \(application\/protobuf\): .*utf-8/);
      assert.equal(header(record, DeadLetterHeaders.ATTEMPTS), '1');
      assert.equal(header(record, DeadLetterHeaders.ORIGIN_OFFSET), acks[i + 1]!.offset);
      assert.deepEqual(record.value, notUtf8, 'the value is kept byte for byte');
    }

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    await admin.disconnect();
    const committed = offsets!.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
    assert.equal(committed, acks.length, 'the group committed past every record');
  });
});
