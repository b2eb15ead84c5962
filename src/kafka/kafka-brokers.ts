/** KAFKA_BROKERS_ENV is the variable that points the toolkit at an existing cluster. */
export const KAFKA_BROKERS_ENV = 'KAFKA_BROKERS';

/** DEFAULT_LOCAL_KAFKA_HOST is where the project's own broker listens. */
export const DEFAULT_LOCAL_KAFKA_HOST = '127.0.0.1';

/** DEFAULT_LOCAL_KAFKA_PORT is the client port of the project's own broker. */
export const DEFAULT_LOCAL_KAFKA_PORT = 9092;

/**
 * brokersFromEnv returns the broker list of KAFKA_BROKERS (comma-separated),
 * or undefined when it is unset, meaning "start or reuse the local broker".
 */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env[KAFKA_BROKERS_ENV]?.trim();
  if (!raw) return undefined;
  const brokers = raw
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  return brokers.length > 0 ? brokers : undefined;
}

/** kafkaBrokers returns the brokers every client should use. */
export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  return brokersFromEnv(env) ?? [`${DEFAULT_LOCAL_KAFKA_HOST}:${DEFAULT_LOCAL_KAFKA_PORT}`];
}
