import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { createEventBus, EventChannels, type EventBus } from '../../src/events/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { waitFor } from './event-test-support.js';

describe('per-aggregate ordering', () => {
  const buses: EventBus[] = [];
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  test('two instances of one group over six partitions see each aggregate in publish order', async () => {
    const topicPrefix = `${uniqueName('order')}.`;
    // Two processes' worth: separate clients, so separate connections and group members.
    const [publisher, first, second] = [0, 1, 2].map(() => createEventBus({ source: 'auth', kafka: testKafka(), topicPrefix }));
    buses.push(publisher!, first!, second!);
    await publisher!.provisionChannels([EventChannels.USERS]);
    const group = uniqueName('g');
    const seen: { instance: number; aggregate: string; seq: number }[] = [];
    const subscriptions = await Promise.all(
      [first!, second!].map(async (bus, instance) => {
        const subscription = await bus.subscribe(
          EventChannels.USERS,
          async (event) => {
            const payload = event.payload as ReturnType<typeof create<typeof UserCreatedSchema>>;
            seen.push({ instance, aggregate: payload.userId, seq: Number(payload.displayName) });
          },
          { group, fromBeginning: true, concurrency: 3, heartbeatInterval: 300 },
        );
        return subscription;
      }),
    );
    await waitFor('both members to share the six partitions', () => {
      const parts = subscriptions.map((subscription) => Object.values(subscription.runner.assignment()).flat());
      return parts.length === 2 && parts.every((p) => p.length > 0) && new Set(parts.flat()).size === 6 && parts[0]!.length + parts[1]!.length === 6;
    });

    const aggregates = Array.from({ length: 20 }, (_, i) => `user-${i}`);
    const total = 400;
    const entries = Array.from({ length: total }, (_, seq) => {
      const aggregate = aggregates[seq % aggregates.length]!;
      return { channel: EventChannels.USERS, schema: UserCreatedSchema, payload: create(UserCreatedSchema, { userId: aggregate, displayName: String(seq) }), options: { aggregateId: aggregate } };
    });
    // Several requests, interleaved with single publishes, as services would.
    for (let i = 0; i < total; i += 50) await publisher!.publishBatch(entries.slice(i, i + 50));
    await waitFor('every event', () => seen.length >= total);
    await Promise.all(subscriptions.map((unsubscribe) => unsubscribe()));

    assert.equal(seen.length, total, 'no event twice while the group was stable');
    for (const aggregate of aggregates) {
      const seqs = seen.filter((entry) => entry.aggregate === aggregate).map((entry) => entry.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${aggregate} in order`);
      assert.equal(new Set(seen.filter((entry) => entry.aggregate === aggregate).map((entry) => entry.instance)).size, 1, `${aggregate} handled by one instance`);
    }
    assert.equal(new Set(seen.map((entry) => entry.instance)).size, 2, 'both instances did work');
  });
});
