import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import { kafkaBrokers } from './kafka-brokers.js';
import { kafkaSecurityFromEnv } from './kafka-security.js';

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

/** REDACTED_SECRET replaces a secret in a kafkajs log line. */
export const REDACTED_SECRET = '[REDACTED]';

// kafkajs logs through console by default; route its lines to stderr as JSON so
// they never interleave with a CLI's stdout. Per-response errors of the
// Connection namespace are dropped: kafkajs retries them, and a final failure
// still reaches the caller as an error and is logged by the layer above.
// kafkajs does not log credentials today; the secrets are scrubbed anyway, so
// a future debug line cannot leak them.
function stderrLogCreator(secrets: readonly string[]): logCreator {
  const forms = secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]).filter((form) => form.length > 0);
  return () => ({ namespace, level, label, log }) => {
    if (namespace === 'Connection') return;
    const { message, ...extra } = log;
    let line = JSON.stringify({ level: label, namespace, message, ...extra, levelNumber: level });
    for (const form of forms) line = line.replaceAll(form, REDACTED_SECRET);
    process.stderr.write(`${line}\n`);
  };
}

/**
 * createKafka returns a kafkajs client pointed at KAFKA_BROKERS or the local
 * broker, with SASL and TLS from KAFKA_SASL_* and KAFKA_TLS* (see
 * kafkaSecurityFromEnv) and the toolkit's logging.
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
