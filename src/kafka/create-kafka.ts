import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import { kafkaBrokers } from './kafka-brokers.js';

/** CreateKafkaOptions configures createKafka; anything of KafkaConfig may be overridden. */
export interface CreateKafkaOptions extends Partial<KafkaConfig> {
  /** @defaultValue 'mesh' */
  clientId?: string;
}

/** DEFAULT_KAFKA_CLIENT_ID identifies the toolkit's connections in broker logs. */
export const DEFAULT_KAFKA_CLIENT_ID = 'mesh';

/** DEFAULT_KAFKA_LOG_LEVEL keeps kafkajs quiet unless something is wrong. */
export const DEFAULT_KAFKA_LOG_LEVEL = logLevel.ERROR;

// kafkajs logs through console by default; route its lines to stderr as JSON so
// they never interleave with a CLI's stdout. Per-response errors of the
// Connection namespace are dropped: kafkajs retries them, and a final failure
// still reaches the caller as an error and is logged by the layer above.
const stderrLogCreator: logCreator = () => ({ namespace, level, label, log }) => {
  if (namespace === 'Connection') return;
  const { message, ...extra } = log;
  process.stderr.write(`${JSON.stringify({ level: label, namespace, message, ...extra, levelNumber: level })}\n`);
};

/**
 * createKafka returns a kafkajs client pointed at KAFKA_BROKERS or the local
 * broker, with the toolkit's logging.
 */
export function createKafka(options: CreateKafkaOptions = {}): Kafka {
  return new Kafka({
    clientId: DEFAULT_KAFKA_CLIENT_ID,
    brokers: kafkaBrokers(),
    logLevel: DEFAULT_KAFKA_LOG_LEVEL,
    logCreator: stderrLogCreator,
    ...options,
  });
}
