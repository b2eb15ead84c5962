import { JobError } from '../jobs/job-error.js';
import { kafkaBrokers } from '../kafka/kafka-brokers.js';
import { ReplayError } from '../replay/replay-error.js';
import { SagaError } from '../saga/saga-error.js';
import { CliError } from './cli-error.js';

const KAFKA_CONNECTION_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError']);

/**
 * describeKnownError turns the typed errors of the layers the CLI drives
 * (Kafka connection failures, ReplayError, JobError, SagaError) into a
 * CliError whose one line says what to do; anything else is returned as is.
 */
export function describeKnownError(error: unknown): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof ReplayError) {
    const code = error.code === 'UNKNOWN_TOPIC' ? 'UNKNOWN_TOPIC' : error.code === 'INVALID_ARGUMENT' || error.code === 'GROUP_ACTIVE' ? 'BAD_ARGUMENT' : 'REPLAY_FAILED';
    const hint = code === 'UNKNOWN_TOPIC' ? '; `npm run mesh -- topics` lists the topics' : '';
    return new CliError(code, `${error.message}${hint}`, { cause: error });
  }
  if (error instanceof JobError && error.code === 'NOT_FOUND') return new CliError('NOT_FOUND', `${error.message}; \`npm run mesh -- jobs\` lists the failed jobs`, { cause: error });
  if (error instanceof SagaError) return new CliError(error.code === 'UNKNOWN_SAGA' ? 'NOT_FOUND' : 'BAD_ARGUMENT', `${error.message} [${error.code}]`, { cause: error });
  const name = (error as { name?: unknown } | undefined)?.name;
  if (typeof name === 'string' && KAFKA_CONNECTION_ERRORS.has(name)) return brokerUnreachable(error);
  return error;
}

/** brokerUnreachable is the CliError of a Kafka cluster the CLI cannot reach. */
export function brokerUnreachable(cause: unknown): CliError {
  const detail = cause instanceof Error ? ` (${cause.message})` : '';
  return new CliError(
    'BROKER_UNREACHABLE',
    `cannot reach Kafka at ${kafkaBrokers().join(',')}${detail}: start it with \`npm run kafka\` (or \`npm start\`), or point KAFKA_BROKERS at a running cluster`,
    { cause },
  );
}
