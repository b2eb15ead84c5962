import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '../../gen/auth/v1/auth_events_pb.js';
import { EventChannels, type EventBus } from '../../src/events/index.js';
import type { GroupJoinEvent } from '../../src/kafka/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { testBus, waitFor } from './event-test-support.js';

const SESSION_TIMEOUT = 6000;
const HANDLER_TIME = 9000;

describe('a handler longer than the session timeout', () => {
  const kafka = testKafka();
  const buses: EventBus[] = [];
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  test(`a ${HANDLER_TIME} ms handler with a ${SESSION_TIMEOUT} ms session keeps its membership: no rebalance, no redelivery`, async () => {
    const bus = testBus({ kafka });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const calls = new Map<string, number>();
    const group = uniqueName('g');
    const unsubscribe = await bus.subscribe(
      EventChannels.USERS,
      async (event) => {
        const userId = (event.payload as ReturnType<typeof create<typeof UserCreatedSchema>>).userId;
        calls.set(userId, (calls.get(userId) ?? 0) + 1);
        if (userId === 'slow') await sleep(HANDLER_TIME);
      },
      { group, fromBeginning: true, sessionTimeout: SESSION_TIMEOUT, heartbeatInterval: 1000 },
    );
    const joins: GroupJoinEvent[] = [];
    unsubscribe.runner.onGroupJoin((event) => joins.push(event));
    const crashes: unknown[] = [];
    unsubscribe.runner.onCrash((event) => crashes.push(event));
    const started = Date.now();
    await bus.publish(EventChannels.USERS, UserCreatedSchema, create(UserCreatedSchema, { userId: 'slow' }), { aggregateId: 'same' });
    await bus.publish(EventChannels.USERS, UserCreatedSchema, create(UserCreatedSchema, { userId: 'after' }), { aggregateId: 'same' });
    try {
      await waitFor('the event after the slow one', () => calls.has('after'), HANDLER_TIME + 10_000);
      // Give a lost membership time to show: the coordinator would have evicted us by now.
      await sleep(1000);
    } finally {
      await unsubscribe();
    }
    assert.ok(Date.now() - started >= HANDLER_TIME);
    assert.equal(joins.length, 0, `no rejoin after the first join (saw ${joins.length})`);
    assert.equal(crashes.length, 0);
    assert.deepEqual(Object.fromEntries(calls), { slow: 1, after: 1 }, 'nothing was delivered twice');
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [bus.topicOf(EventChannels.USERS)] });
    await admin.disconnect();
    assert.equal(offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0), 2, 'both committed');
  });
});
