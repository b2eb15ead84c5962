import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { DeadLetterHeaders, deadLetterTopic, EventChannels, type EventBus } from '../../src/events/index.js';
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
});
