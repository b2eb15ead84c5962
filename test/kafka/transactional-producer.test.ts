import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Producer } from 'kafkajs';
import { createTransactionalProducer, ensureTopics, remembersTransactionCoordinator } from '../../src/kafka/index.js';
import { readRecords, testKafka, uniqueName, useAdmin } from '../support/kafka.js';

/** countRequests counts the requests a producer sends, by API name (kafkajs names FindCoordinator by its old name, GroupCoordinator). */
function countRequests(producer: Producer): Map<string, number> {
  const counts = new Map<string, number>();
  producer.on(producer.events.REQUEST, ({ payload }) => {
    const api = payload.apiName === 'GroupCoordinator' ? 'FindCoordinator' : payload.apiName;
    counts.set(api, (counts.get(api) ?? 0) + 1);
  });
  return counts;
}

async function commitOne(producer: Producer, topic: string, value: string): Promise<void> {
  const transaction = await producer.transaction();
  try {
    await transaction.send({ topic, messages: [{ value }] });
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    throw error;
  }
}

describe('createTransactionalProducer', () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);
  const topic = uniqueName('txn-producer');
  const producers: Producer[] = [];
  const open = async (transactionalId: string, remember: boolean) => {
    const config = { transactionalId, idempotent: true, maxInFlightRequests: 1 };
    const producer = remember ? createTransactionalProducer(kafka, config) : kafka.producer(config);
    producers.push(producer);
    const counts = countRequests(producer);
    await producer.connect();
    return { producer, counts };
  };

  before(() => ensureTopics(admin, [{ topic, partitions: 1 }]));
  after(() => Promise.all(producers.map((producer) => producer.disconnect().catch(() => undefined))));

  test('the kafkajs this project installs keeps what it needs to remember the coordinator', () => {
    assert.equal(remembersTransactionCoordinator(kafka), true);
    assert.equal(remembersTransactionCoordinator(Object.create(kafka) as typeof kafka), true, 'a view of the client made with Object.create');
  });

  test('looks the transaction coordinator up once for many transactions, where kafkajs asks before each AddPartitionsToTxn and EndTxn', async () => {
    const transactions = 4;
    const plain = await open(uniqueName('plain'), false);
    const remembering = await open(uniqueName('remembering'), true);
    for (let index = 0; index < transactions; index++) {
      await commitOne(plain.producer, topic, `plain-${index}`);
      await commitOne(remembering.producer, topic, `remembering-${index}`);
    }
    assert.equal(plain.counts.get('EndTxn'), transactions);
    assert.equal(remembering.counts.get('EndTxn'), transactions);
    assert.equal(plain.counts.get('FindCoordinator'), 1 + 2 * transactions, 'kafkajs alone: InitProducerId, then AddPartitionsToTxn and EndTxn of each transaction');
    assert.equal(remembering.counts.get('FindCoordinator'), 1, 'remembered from InitProducerId on');
    const values = (await readRecords(kafka, topic, 2 * transactions)).map((record) => record.message.value?.toString());
    for (let index = 0; index < transactions; index++) assert.ok(values.includes(`remembering-${index}`) && values.includes(`plain-${index}`));
  });

  test('forgets the coordinator when a request to it fails, and asks the broker again on the next', async () => {
    const transactionalId = uniqueName('fenced');
    const first = await open(transactionalId, true);
    await commitOne(first.producer, topic, 'before-fencing');
    assert.equal(first.counts.get('FindCoordinator'), 1);
    // A second producer of the same transactional id bumps the epoch: the first one's next coordinator request is refused.
    const second = await open(transactionalId, false);
    await commitOne(second.producer, topic, 'from-the-new-owner');
    await assert.rejects(commitOne(first.producer, topic, 'fenced-off'));
    const afterFailure = first.counts.get('FindCoordinator')!;
    await assert.rejects(commitOne(first.producer, topic, 'fenced-off-again'));
    assert.equal(first.counts.get('FindCoordinator'), afterFailure + 1, 'the request after the failure looked the coordinator up again');
  });

  test('leaves the client it was given as it was: its other producers still look the coordinator up themselves', async () => {
    await open(uniqueName('remembering'), true);
    const plain = await open(uniqueName('plain-after'), false);
    await commitOne(plain.producer, topic, 'plain-after');
    assert.equal(plain.counts.get('FindCoordinator'), 3);
  });
});
