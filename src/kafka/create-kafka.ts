import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { kafkaBrokers } from './kafka-brokers.js';
import { kafkaSecurityFromEnv } from './kafka-security.js';
import { stderrLogCreator } from './kafka-log-creator.js';

/** CreateKafkaOptions configures createKafka; anything of KafkaConfig may be overridden. */
export interface CreateKafkaOptions extends Partial<KafkaConfig> {
  /** @defaultValue 'mesh' */
  clientId?: string;
  /**
   * env is where KAFKA_BROKERS, KAFKA_SASL_* and KAFKA_TLS* are read from.
   * @defaultValue process.env
   */
  env?: NodeJS.ProcessEnv;
}

/** DEFAULT_KAFKA_CLIENT_ID identifies the toolkit's connections in broker logs. */
export const DEFAULT_KAFKA_CLIENT_ID = 'mesh';

/** DEFAULT_KAFKA_LOG_LEVEL keeps kafkajs quiet unless something is wrong. */
export const DEFAULT_KAFKA_LOG_LEVEL = logLevel.ERROR;

/**
 * createKafka returns a kafkajs client pointed at KAFKA_BROKERS or the local
 * broker, with SASL and TLS from KAFKA_SASL_* and KAFKA_TLS* (see
 * kafkaSecurityFromEnv) and the toolkit's logging (stderrLogCreator).
 */
export function createKafka(options: CreateKafkaOptions = {}): Kafka {
  const { env = process.env, ...overrides } = options;
  const security = kafkaSecurityFromEnv(env);
  const sasl = overrides.sasl ?? security.sasl;
  const password = sasl && 'password' in sasl && typeof sasl.password === 'string' ? [sasl.password] : [];
  return new Kafka({
    clientId: DEFAULT_KAFKA_CLIENT_ID,
    brokers: kafkaBrokers(env),
    logLevel: DEFAULT_KAFKA_LOG_LEVEL,
    logCreator: stderrLogCreator(password),
    ...security,
    ...overrides,
  });
}
