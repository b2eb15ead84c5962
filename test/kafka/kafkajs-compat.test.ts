// kafkajs 2.2.4 predates Kafka 4 (which dropped old protocol versions, KIP-896):
// these tests prove every feature the toolkit relies on still works against the broker.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';

describe('kafkajs against the local Kafka broker', () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);

  test('admin creates topics with partitions and configs, and describes them', async () => {
    const topic = uniqueName('compat-admin');
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    assert.equal(created, true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]?.partitions.length, 3);
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }] });
    assert.equal(configs.resources[0]?.configEntries[0]?.configValue, 'compact');
  });

  test('a consumer group receives what a producer sent, keyed records in order per partition', async () => {
    const topic = uniqueName('compat-group');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: String(i) }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const groupId = uniqueName('compat-group');
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: Number(String(message.value)) });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    assert.equal(received.length, sent.length);
    for (const key of new Set(sent.map((message) => message.key))) {
      const values = received.filter((record) => record.key === key).map((record) => record.value);
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `records of ${key} arrive in order`);
    }
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]!.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
    assert.equal(committed, sent.length, 'the group committed every record');
  });

  test('offsets by timestamp find the first record at or after a time', async () => {
    const topic = uniqueName('compat-time');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    const base = Date.now() - 60_000;
    await producer.send({
      topic,
      messages: [0, 1, 2, 3].map((i) => ({ value: String(i), timestamp: String(base + i * 10_000) })),
    });
    await producer.disconnect();
    const [partition] = await admin.fetchTopicOffsetsByTimestamp(topic, base + 15_000);
    assert.equal(partition?.offset, '2');
  });

  test('transactions commit atomically and aborted records stay invisible to read_committed consumers', async () => {
    const topic = uniqueName('compat-tx');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer({ transactionalId: uniqueName('compat-tx'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await committed.commit();
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('compat-tx'), readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(String(message.value));
            if (values.length === 2) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    assert.deepEqual(values, ['committed-1', 'committed-2']);
  });
});
