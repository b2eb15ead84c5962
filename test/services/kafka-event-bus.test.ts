import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { BudgetType } from '../../gen/market/v1/job_pb.js';
import { MarketService } from '../../gen/market/v1/market_service_pb.js';
import { createEventBus } from '../../src/events/event-bus.js';
import { EventChannels } from '../../src/events/event-channels.js';
import { money } from '../../src/services/shared/money.js';
import { startService } from '../../src/services/start-service.js';
import { testKafka, uniqueName } from '../support/kafka.js';

const RECORD_TIMEOUT_MS = 20_000;

// The services only know the EventPublisher interface; this shows the Kafka
// event bus fills it: a state change becomes a record on the real broker,
// keyed by the aggregate id.
describe('reference services on the Kafka event bus', () => {
  const prefix = `${uniqueName('services')}.`;
  const bus = createEventBus({ source: 'market', topicPrefix: prefix });
  let consumer: Consumer | undefined;

  before(() => bus.provisionChannels([EventChannels.JOBS]));
  after(async () => {
    await consumer?.disconnect();
    await bus.close();
  });

  test('CreateJob publishes JobPosted on the JOBS topic, keyed by the job id', async () => {
    const service = await startService('market', { port: 0, events: bus });
    const sessionManager = new Http2SessionManager(service.url);
    try {
      const client = createClient(MarketService, createConnectTransport({ baseUrl: service.url, httpVersion: '2', sessionManager }));
      const budget = { type: BudgetType.FIXED, min: money('EUR', 10n), max: money('EUR', 20n) };
      const { job } = await client.createJob({ clientId: 'usr_k', title: 'Over Kafka', description: 'd', budget });
      consumer = testKafka().consumer({ groupId: `g-${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: `${prefix}${EventChannels.JOBS}`, fromBeginning: true });
      const message = await new Promise<KafkaMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no record within the timeout')), RECORD_TIMEOUT_MS);
        void consumer!.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message);
          },
        });
      });
      assert.equal(message.key?.toString(), job?.jobId);
      assert.equal(message.headers?.ce_type?.toString(), 'market.v1.JobPosted');
      assert.equal(message.headers?.ce_subject?.toString(), job?.jobId);
    } finally {
      sessionManager.abort();
      await service.close();
    }
  });
});
