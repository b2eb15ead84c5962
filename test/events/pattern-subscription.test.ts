import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { JobPostedSchema } from '../../gen/market/v1/market_events_pb.js';
import { ALL_EVENTS_PATTERN, EventChannels, type ConsumedEvent, type EventBus } from '../../src/events/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { testBus, waitFor } from './event-test-support.js';

describe('pattern subscriptions', () => {
  const kafka = testKafka();
  const buses: EventBus[] = [];
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  test('ALL and a glob receive events from topics created after they started, never from dead-letter topics', async () => {
    const bus = testBus({ kafka, source: 'market' });
    buses.push(bus);
    await bus.provisionChannels([EventChannels.USERS]);
    const all: ConsumedEvent[] = [];
    const jobs: ConsumedEvent[] = [];
    const options = { fromBeginning: true, topicRefreshInterval: 300 };
    const allSubscription = await bus.subscribePattern(ALL_EVENTS_PATTERN, async (event) => void all.push(event), { ...options, group: uniqueName('all') });
    // Nothing matches this glob yet: the subscription waits for a topic to appear.
    const jobsSubscription = await bus.subscribePattern('events.jobs*', async (event) => void jobs.push(event), { ...options, group: uniqueName('jobs') });
    assert.deepEqual(allSubscription.runner.topics(), [bus.topicOf(EventChannels.USERS)]);
    assert.deepEqual(jobsSubscription.runner.topics(), []);

    const job = (jobId: string) => create(JobPostedSchema, { jobId, title: `Job ${jobId}` });
    await bus.publish(EventChannels.USERS, JobPostedSchema, job('on-users'), { aggregateId: 'a' });
    await waitFor('the event on the existing channel', () => all.length === 1);

    // Created after both subscriptions started; their DLQs are created too and must not be picked up.
    await bus.provisionChannels([EventChannels.JOBS, 'events.jobs.v2']);
    await bus.publish(EventChannels.JOBS, JobPostedSchema, job('on-jobs'), { aggregateId: 'b' });
    await bus.publish('events.jobs.v2', JobPostedSchema, job('on-jobs-v2'), { aggregateId: 'c' });
    await waitFor('the events on the new channels', () => all.length === 3 && jobs.length === 2, 15_000);
    await Promise.all([allSubscription(), jobsSubscription()]);

    assert.deepEqual(all.map((event) => `${event.channel}:${(event.payload as ReturnType<typeof job>).jobId}`).sort(), ['events.jobs.v2:on-jobs-v2', 'events.jobs:on-jobs', 'events.users:on-users']);
    assert.deepEqual(jobs.map((event) => event.channel).sort(), ['events.jobs', 'events.jobs.v2']);
    assert.ok(allSubscription.runner.topics().every((topic) => !topic.endsWith('.dlq')), `no DLQ subscribed: ${allSubscription.runner.topics().join(', ')}`);
    assert.equal(allSubscription.runner.topics().length, 3);
  });
});
