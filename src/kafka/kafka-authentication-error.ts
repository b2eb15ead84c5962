import { KafkaTransportError } from './kafka-transport-error.js';

/**
 * authenticationErrorOf turns a kafkajs SASL failure (anywhere in the cause
 * chain) into a KafkaTransportError AUTHENTICATION_FAILED that says what to
 * check; undefined for any other error. The message never carries a
 * credential; kafkajs's error stays as the cause.
 */
export function authenticationErrorOf(error: unknown): KafkaTransportError | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (current instanceof KafkaTransportError && current.code === 'AUTHENTICATION_FAILED') return current;
    if (current.name !== 'KafkaJSSASLAuthenticationError') continue;
    return new KafkaTransportError(
      'AUTHENTICATION_FAILED',
      'the Kafka broker refused the SASL credentials; check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
      { cause: error },
    );
  }
  return undefined;
}
