import { create } from '@bufbuild/protobuf';
import { SendEmailJobSchema, type SendEmailJob } from '../../gen/notification/v1/notification_jobs_pb.js';
import { createQueueManager, retryTier, type QueueManager, type QueueManagerOptions } from '../../src/jobs/index.js';
import { testKafka, uniqueName } from '../support/kafka.js';

/** TEST_RETRY_TIERS are short retry topics, so retry tests finish in seconds. */
export const TEST_RETRY_TIERS = [retryTier(500), retryTier(1000), retryTier(2000)];

/** testPrefix is a fresh topic prefix: tests never share topics. */
export function testPrefix(): string {
  return `${uniqueName('tj')}.`;
}

/** testManager is a queue manager on its own Kafka client and topic prefix. */
export function testManager(options: QueueManagerOptions = {}): QueueManager {
  return createQueueManager({ kafka: testKafka(), topicPrefix: testPrefix(), retryTiers: TEST_RETRY_TIERS, ...options });
}

/** email builds a SendEmailJob payload whose notification id names the job in a test. */
export function email(notificationId: string, variables: Record<string, string> = {}): SendEmailJob {
  return create(SendEmailJobSchema, { notificationId, to: 'someone@example.com', templateId: 'welcome', variables });
}

// The suite's own name for the shared helper, which its tests import from here.
export { waitUntil } from '../support/wait-until.js';
