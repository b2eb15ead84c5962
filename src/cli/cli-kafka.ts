import { logLevel, type Admin, type Kafka } from 'kafkajs';
import { createKafka } from '../kafka/create-kafka.js';
import { brokerUnreachable } from './describe-known-error.js';

/** CLI_KAFKA_CLIENT_ID identifies the CLI's connections in broker logs. */
export const CLI_KAFKA_CLIENT_ID = 'mesh-cli';

/** BROKER_PROBE_TIMEOUT_MS bounds the first connection, so an absent broker is reported in seconds, not after kafkajs' full retry schedule. */
export const BROKER_PROBE_TIMEOUT_MS = 3_000;

/** CliKafka is the CLI's Kafka client and a connected admin, checked reachable. */
export interface CliKafka {
  kafka: Kafka;
  admin: Admin;
  close(): Promise<void>;
}

/**
 * connectCliKafka connects an admin to KAFKA_BROKERS (or the local broker)
 * with a short retry schedule and returns it with a client for the real work;
 * an unreachable cluster is a CliError BROKER_UNREACHABLE saying what to do.
 */
export async function connectCliKafka(): Promise<CliKafka> {
  const probe = createKafka({ clientId: CLI_KAFKA_CLIENT_ID, logLevel: logLevel.NOTHING, connectionTimeout: BROKER_PROBE_TIMEOUT_MS, retry: { retries: 1, initialRetryTime: 200 } });
  const admin = probe.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw brokerUnreachable(error);
  }
  return {
    kafka: createKafka({ clientId: CLI_KAFKA_CLIENT_ID }),
    admin,
    close: () => admin.disconnect(),
  };
}
