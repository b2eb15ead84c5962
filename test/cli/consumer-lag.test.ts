import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin } from 'kafkajs';
import { readConsumerLag } from '../../src/cli/consumer-lag.js';
import { testKafka, uniqueName } from '../support/kafka.js';

describe('readConsumerLag', () => {
  const kafka = testKafka();
  const topic = uniqueName('lag');
  const group = uniqueName('lag-group');
  let admin: Admin;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [...Array(5)].map((_, i) => ({ partition: 0, value: `a${i}` })) });
    await producer.send({ topic, messages: [...Array(2)].map((_, i) => ({ partition: 1, value: `b${i}` })) });
    await producer.disconnect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  test('sums high watermark minus committed offset over partitions, counting an uncommitted partition from its start', async () => {
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }] });
    const reading = await readConsumerLag(admin, [topic, uniqueName('absent')], Number.POSITIVE_INFINITY);
    const mine = reading.groups.filter((lag) => lag.group === group);
    assert.deepEqual(mine, [{ group, topics: [topic], lag: 3 + 2 }]);
    assert.equal(reading.skipped, 0);
  });

  test('lists no group for topics nobody committed on', async () => {
    const reading = await readConsumerLag(admin, [uniqueName('absent')]);
    assert.deepEqual(reading.groups, []);
  });
});
