import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { acquireSharedProducer, createKafka, createMeshProducer, ensureTopics, KafkaTransportError } from '../../src/kafka/index.js';
import { freePort } from '../support/free-port.js';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';

describe('mesh producer', () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);

  test('acknowledges each record with the partition its key hashes to and its own offset', async () => {
    const topic = uniqueName('producer');
    await ensureTopics(admin, [{ topic, partitions: 3 }]);
    const producer = createMeshProducer(kafka);
    try {
      const records = Array.from({ length: 30 }, (_, i) => ({ topic, key: `k${i % 5}`, value: `v${i}`, headers: { h: `${i}` } }));
      // Half in one call, half as separate concurrent calls: both paths must map offsets right.
      const [batch, ...singles] = await Promise.all([producer.send(records.slice(0, 15)), ...records.slice(15).map((record) => producer.send([record]))]);
      const acks = [...batch!, ...singles.flat()];
      const partitionOfKey = new Map<string, number>();
      for (const [i, ack] of acks.entries()) {
        const key = records[i]!.key;
        assert.equal(partitionOfKey.get(key) ?? ack.partition, ack.partition, `every record of ${key} goes to one partition`);
        partitionOfKey.set(key, ack.partition);
      }
      // Read every partition back: the record at each acknowledged offset is the one sent.
      const consumer = kafka.consumer({ groupId: uniqueName('verify'), maxWaitTimeInMs: 200 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const stored = new Map<string, string>();
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              stored.set(`${partition}/${message.offset}`, String(message.value));
              if (stored.size === records.length) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      for (const [i, ack] of acks.entries()) assert.equal(stored.get(`${ack.partition}/${ack.offset}`), records[i]!.value);
    } finally {
      await producer.close();
    }
  });

  test('places keyed records where kafkajs\'s Java-compatible partitioner does, repeated keys included', async () => {
    const topic = uniqueName('placement');
    await ensureTopics(admin, [{ topic, partitions: 5 }]);
    const producer = createMeshProducer(kafka);
    try {
      // String keys go through the producer's key cache from their second use on; Buffer keys never do.
      const keys: (string | Buffer)[] = [...Array.from({ length: 40 }, (_, i) => `aggregate-${i % 20}`), Buffer.from('bytes-key'), Buffer.from('bytes-key')];
      const acks = await producer.send(keys.map((key, i) => ({ topic, key, value: `v${i}` })));
      const partitioner = Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: 5 }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      for (const [i, key] of keys.entries()) {
        assert.equal(acks[i]!.partition, partitioner({ topic, partitionMetadata, message: { key, value: null } }), `partition of key ${String(key)}`);
      }
    } finally {
      await producer.close();
    }
  });

  test('fails clearly for a topic that does not exist, and after close', async () => {
    const producer = createMeshProducer(kafka);
    await assert.rejects(producer.send([{ topic: uniqueName('missing'), value: 'x' }]), (error: unknown) => error instanceof KafkaTransportError && error.code === 'METADATA_FAILED');
    await producer.close();
    await assert.rejects(producer.send([{ topic: 'any', value: 'x' }]), (error: unknown) => error instanceof KafkaTransportError && error.code === 'PRODUCER_CLOSED');
  });

  test('a shared producer stays open until its last lease is closed', async () => {
    const topic = uniqueName('shared');
    await ensureTopics(admin, [{ topic, partitions: 1 }]);
    const first = acquireSharedProducer(kafka);
    const second = acquireSharedProducer(kafka);
    await first.send([{ topic, value: 'a' }]);
    await first.close();
    const [ack] = await second.send([{ topic, value: 'b' }]);
    assert.equal(ack?.offset, '1');
    await second.close();
    const third = acquireSharedProducer(kafka);
    assert.equal((await third.send([{ topic, value: 'c' }]))[0]?.offset, '2', 'a new lease after the last close opens a new producer');
    await third.close();
  });

  test('waits for an unreachable broker until the delivery timeout, then fails with SEND_FAILED', async () => {
    const port = await freePort();
    const unreachable = createKafka({ brokers: [`127.0.0.1:${port}`], retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 }, connectionTimeout: 200 });
    const producer = createMeshProducer(unreachable, { deliveryTimeout: 2000, deliveryRetryBackoff: { initialDelay: 100, maxDelay: 200 } });
    const started = Date.now();
    await assert.rejects(producer.send([{ topic: 'any', value: 'x' }]), (error: unknown) => error instanceof KafkaTransportError && error.code === 'SEND_FAILED');
    const waited = Date.now() - started;
    assert.ok(waited >= 1500 && waited < 10_000, `resent for about the delivery timeout, not once and not forever (${waited} ms)`);
    await producer.close();
  });
});
