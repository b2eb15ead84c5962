import { brokersFromEnv } from './kafka-brokers.js';
import { waitForMetadata } from './broker-readiness.js';
import { LocalBrokerError } from './local-broker-error.js';
import { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from './local-broker.js';

/**
 * ensureKafka is the one entry point for "I need a broker": with
 * KAFKA_BROKERS set it only waits for that cluster; otherwise it starts the
 * project's local broker or reuses one already running.
 */
export async function ensureKafka(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const external = brokersFromEnv();
  if (!external) return startLocalBroker(options);
  const startedAt = Date.now();
  if (!(await waitForMetadata(external, { timeoutMs: options.readyTimeoutMs }))) {
    throw new LocalBrokerError('NOT_READY', `KAFKA_BROKERS=${external.join(',')} does not answer metadata. Check the addresses, or unset KAFKA_BROKERS to start the local broker.`);
  }
  return { brokers: external, reused: true, startupMs: Date.now() - startedAt, stop: async () => undefined };
}
