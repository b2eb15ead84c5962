import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { create, equals } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { UserCreatedSchema, UserDeletedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { runWithContext } from '../../src/context/index.js';
import {
  AUDIT_RETENTION_MS,
  DEAD_LETTER_RETENTION_MS,
  DEFAULT_CHANNEL_PARTITIONS,
  DEFAULT_DEAD_LETTER_PARTITIONS,
  DEFAULT_EVENT_RETENTION_MS,
  EventChannels,
  EventContentTypes,
  isEventOf,
  type ConsumedEvent,
  type EventBus,
} from '../../src/events/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { testBus, waitFor } from './event-test-support.js';

const userCreated = (id: string) =>
  create(UserCreatedSchema, { userId: id, email: `${id}@example.com`, displayName: `User ${id}`, roles: [Role.FREELANCER], createdAt: timestampFromDate(new Date('2026-01-02T03:04:05.678Z')) });

describe('event bus publish and subscribe', () => {
  const kafka = testKafka();
  const buses: EventBus[] = [];
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  for (const contentType of [EventContentTypes.PROTOBUF, EventContentTypes.JSON]) {
    test(`round trip of a typed event as ${contentType}`, async () => {
      const bus = testBus({ kafka, source: 'auth', contentType });
      buses.push(bus);
      await bus.provisionChannels([EventChannels.USERS]);
      const received: ConsumedEvent[] = [];
      const unsubscribe = await bus.subscribe(EventChannels.USERS, async (event) => void received.push(event), { group: uniqueName('g'), fromBeginning: true });
      const payload = userCreated('u-1');
      const published = await runWithContext({ correlationId: 'corr-1', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }, () =>
        bus.publish(EventChannels.USERS, UserCreatedSchema, payload, { aggregateId: 'u-1', aggregateType: 'user', causationId: 'cmd-9' }),
      );
      assert.equal(published.topic, bus.topicOf(EventChannels.USERS));
      await waitFor('the event', () => received.length === 1);
      await unsubscribe();
      const event = received[0]!;
      assert.ok(isEventOf(event, UserCreatedSchema));
      assert.ok(equals(UserCreatedSchema, event.payload, payload), 'the payload survives the round trip');
      assert.equal(event.id, published.id);
      assert.equal(event.offset, published.offset);
      assert.equal(event.partition, published.partition);
      assert.equal(event.type, 'auth.v1.UserCreated');
      assert.equal(event.source, '/mesh/auth');
      assert.equal(event.subject, 'u-1');
      assert.equal(event.key, 'u-1');
      assert.equal(event.channel, EventChannels.USERS);
      assert.equal(event.contentType, contentType);
      assert.equal(event.headers['content-type'], contentType);
      assert.equal(event.correlationId, 'corr-1');
      assert.equal(event.causationId, 'cmd-9');
      assert.equal(event.aggregateType, 'user');
      assert.match(event.traceparent ?? '', new RegExp(`^00-${'a'.repeat(32)}-${'b'.repeat(16)}-01$`));
      assert.ok(event.time instanceof Date && Math.abs(event.time.getTime() - Date.now()) < 60_000);
    });
  }

  test('publishBatch acknowledges every event with consecutive offsets per partition, and a types subscription sees only its types', async () => {
    const bus = testBus({ kafka, source: 'auth' });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS, EventChannels.AUDIT]);
    const deleted: ConsumedEvent<typeof UserDeletedSchema>[] = [];
    const unsubscribe = await bus.subscribe({ types: [UserDeletedSchema] }, async (event) => void deleted.push(event), { group: uniqueName('g'), fromBeginning: true });
    const entries = Array.from({ length: 20 }, (_, i) =>
      i % 4 === 3
        ? { channel: EventChannels.AUDIT, schema: UserDeletedSchema, payload: create(UserDeletedSchema, { userId: `u${i % 3}` }), options: { aggregateId: `u${i % 3}` } }
        : { channel: EventChannels.USERS, schema: UserCreatedSchema, payload: userCreated(`u${i % 3}`), options: { aggregateId: `u${i % 3}` } },
    );
    const acks = await bus.publishBatch(entries);
    assert.equal(acks.length, entries.length);
    assert.equal(new Set(acks.map((ack) => ack.id)).size, entries.length, 'every event has its own id');
    const byPartition = new Map<string, bigint[]>();
    for (const ack of acks) byPartition.set(`${ack.topic}/${ack.partition}`, [...(byPartition.get(`${ack.topic}/${ack.partition}`) ?? []), BigInt(ack.offset)]);
    for (const [partition, offsets] of byPartition) {
      assert.deepEqual(offsets, offsets.map((_, i) => offsets[0]! + BigInt(i)), `offsets of ${partition} are consecutive`);
    }
    await waitFor('the UserDeleted events', () => deleted.length === 5);
    await unsubscribe();
    // Order holds per aggregate (partition), not across them.
    assert.deepEqual(deleted.map((event) => event.payload.userId).sort(), entries.filter((e) => e.schema === UserDeletedSchema).map((e) => e.options.aggregateId).sort());
    assert.ok(deleted.every((event) => event.channel === EventChannels.AUDIT));
  });

  test('an event published by a handler continues the flow: same correlation and trace, the handled event as its cause', async () => {
    const bus = testBus({ kafka, source: 'auth' });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS, EventChannels.AUDIT]);
    const audited: ConsumedEvent[] = [];
    const relay = await bus.subscribe(
      EventChannels.USERS,
      async (event) => void (await bus.publish(EventChannels.AUDIT, UserDeletedSchema, create(UserDeletedSchema, { userId: 'u-2' }), { aggregateId: 'u-2' })),
      { group: uniqueName('relay'), fromBeginning: true },
    );
    const audit = await bus.subscribe(EventChannels.AUDIT, async (event) => void audited.push(event), { group: uniqueName('audit'), fromBeginning: true });
    const cause = await runWithContext({ correlationId: 'flow-7', traceId: 'e'.repeat(32) }, () => bus.publish(EventChannels.USERS, UserCreatedSchema, userCreated('u-2'), { aggregateId: 'u-2' }));
    try {
      await waitFor('the follow-up event', () => audited.length === 1);
    } finally {
      await Promise.all([relay(), audit()]);
    }
    assert.equal(audited[0]!.causationId, cause.id);
    assert.equal(audited[0]!.correlationId, 'flow-7');
    assert.match(audited[0]!.traceparent ?? '', new RegExp(`^00-${'e'.repeat(32)}-`));
  });

  test('provisionChannels creates every channel and its DLQ from the catalogue, once', async () => {
    const bus = testBus({ kafka });
    buses.push(bus);
    const first = await bus.provisionChannels();
    const channels = Object.values(EventChannels);
    const topics = channels.flatMap((channel) => [bus.topicOf(channel), `${bus.topicOf(channel)}.dlq`]);
    assert.deepEqual([...first.created].sort(), [...topics].sort());
    const second = await bus.provisionChannels();
    assert.deepEqual(second.created, [], 'a second run creates nothing');
    assert.deepEqual([...second.existing].sort(), [...topics].sort());
    const admin = kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [bus.topicOf(EventChannels.USERS), `${bus.topicOf(EventChannels.USERS)}.dlq`] });
      const partitions = Object.fromEntries(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
      assert.deepEqual(partitions, { [bus.topicOf(EventChannels.USERS)]: DEFAULT_CHANNEL_PARTITIONS, [`${bus.topicOf(EventChannels.USERS)}.dlq`]: DEFAULT_DEAD_LETTER_PARTITIONS });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [bus.topicOf(EventChannels.USERS), bus.topicOf(EventChannels.AUDIT), `${bus.topicOf(EventChannels.AUDIT)}.dlq`].map((name) => ({ type: 2, name, configNames: ['retention.ms', 'cleanup.policy'] })),
      });
      const retention = Object.fromEntries(
        configs.resources.map((resource) => [resource.resourceName, Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue]))]),
      );
      assert.deepEqual(retention, {
        [bus.topicOf(EventChannels.USERS)]: { 'cleanup.policy': 'delete', 'retention.ms': String(DEFAULT_EVENT_RETENTION_MS) },
        [bus.topicOf(EventChannels.AUDIT)]: { 'cleanup.policy': 'delete', 'retention.ms': String(AUDIT_RETENTION_MS) },
        [`${bus.topicOf(EventChannels.AUDIT)}.dlq`]: { 'cleanup.policy': 'delete', 'retention.ms': String(DEAD_LETTER_RETENTION_MS) },
      });
    } finally {
      await admin.disconnect();
    }
  });

  test('concurrent publishes share requests and each resolves with its own offset', async () => {
    const bus = testBus({ kafka, source: 'auth' });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => bus.publish(EventChannels.USERS, UserCreatedSchema, userCreated(`c${i}`), { aggregateId: `c${i % 7}` })));
    const positions = new Set(acks.map((ack) => `${ack.partition}/${ack.offset}`));
    assert.equal(positions.size, 200, 'no two events share a position');
  });
});
