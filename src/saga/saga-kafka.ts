import type { Kafka, logCreator } from 'kafkajs';
import { createKafka } from '../kafka/index.js';

/** CONCURRENT_TRANSACTIONS_MESSAGE is how kafkajs words the broker's CONCURRENT_TRANSACTIONS answer, which it retries. */
const CONCURRENT_TRANSACTIONS_MESSAGE = 'another concurrent operation on the same transaction';

/**
 * sagaLogCreator writes kafkajs's log lines to stderr as JSON, like the
 * toolkit's createKafka, but drops the retried CONCURRENT_TRANSACTIONS
 * errors: a coordinator gets one after nearly every commit (the broker is
 * still writing the previous transaction's markers) and kafkajs retries it.
 */
export const sagaLogCreator: logCreator = () => ({ namespace, level, label, log }) => {
  if (namespace === 'Connection') return;
  const { message, ...extra } = log;
  if (typeof message === 'string' && message.includes(CONCURRENT_TRANSACTIONS_MESSAGE)) return;
  process.stderr.write(`${JSON.stringify({ level: label, namespace, message, ...extra, levelNumber: level })}\n`);
};

/** createSagaKafka is the coordinator's default Kafka client: createKafka with sagaLogCreator. */
export function createSagaKafka(clientId: string): Kafka {
  return createKafka({ clientId, logCreator: sagaLogCreator });
}
