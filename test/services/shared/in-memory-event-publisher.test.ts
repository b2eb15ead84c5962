import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { UserCreatedSchema, UserDeletedSchema } from '../../../gen/auth/v1/auth_events_pb.js';
import { runWithContext } from '../../../src/context/index.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { createInMemoryEventPublisher, type RecordedEvent } from '../../../src/services/shared/in-memory-event-publisher.js';

describe('createInMemoryEventPublisher', () => {
  test('records events in order with per-channel offsets, the context correlation id, and typed views', async () => {
    const publisher = createInMemoryEventPublisher();
    const seen: RecordedEvent[] = [];
    const unsubscribe = publisher.onPublish((event) => seen.push(event));
    const first = await runWithContext({ correlationId: 'corr-1' }, () =>
      publisher.publish(EventChannels.USERS, UserCreatedSchema, create(UserCreatedSchema, { userId: 'u1' }), { aggregateId: 'u1' }),
    );
    const second = await publisher.publish(EventChannels.USERS, UserDeletedSchema, create(UserDeletedSchema, { userId: 'u1' }), {
      aggregateId: 'u1',
      id: 'fixed-id',
      correlationId: 'corr-2',
    });
    unsubscribe();
    await publisher.publish(EventChannels.AUDIT, UserCreatedSchema, create(UserCreatedSchema, { userId: 'u2' }), { aggregateId: 'u2' });
    assert.deepEqual([first.topic, first.offset, second.offset, second.id], ['events.users', '0', '1', 'fixed-id']);
    assert.equal(publisher.events[2]?.offset, 0, 'offsets count per channel');
    assert.deepEqual(publisher.events.map((e) => [e.type, e.aggregateId, e.correlationId]), [
      ['auth.v1.UserCreated', 'u1', 'corr-1'],
      ['auth.v1.UserDeleted', 'u1', 'corr-2'],
      ['auth.v1.UserCreated', 'u2', undefined],
    ]);
    assert.deepEqual(publisher.ofType(UserCreatedSchema).map((e) => e.userId), ['u1', 'u2']);
    assert.equal(seen.length, 2, 'the listener stopped after unsubscribe');
    publisher.clear();
    assert.equal(publisher.events.length, 0);
  });

  test('maxEvents keeps only the latest events', async () => {
    const publisher = createInMemoryEventPublisher({ maxEvents: 2 });
    for (const userId of ['a', 'b', 'c']) await publisher.publish(EventChannels.USERS, UserCreatedSchema, create(UserCreatedSchema, { userId }), { aggregateId: userId });
    assert.deepEqual(publisher.ofType(UserCreatedSchema).map((e) => e.userId), ['b', 'c']);
  });

  test('failWith makes publish throw and records nothing', async () => {
    const publisher = createInMemoryEventPublisher({ failWith: (channel) => (channel === EventChannels.PAYMENTS ? new Error('down') : undefined) });
    await assert.rejects(publisher.publish(EventChannels.PAYMENTS, UserCreatedSchema, create(UserCreatedSchema), { aggregateId: 'x' }), /down/);
    await publisher.publish(EventChannels.USERS, UserCreatedSchema, create(UserCreatedSchema), { aggregateId: 'x' });
    assert.deepEqual(publisher.events.map((e) => e.channel), [EventChannels.USERS]);
  });
});
