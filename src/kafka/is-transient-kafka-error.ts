/** TRANSIENT_KAFKAJS_ERRORS are kafkajs error classes that say "the broker could not be reached", not "the request is wrong". */
const TRANSIENT_KAFKAJS_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);

/**
 * TRANSIENT_PROTOCOL_ERRORS are broker error types a restart or a leader
 * move produces and that clear up on their own. Not kafkajs's `retriable`
 * flag: it also marks UNKNOWN_TOPIC_OR_PARTITION, which a missing topic
 * keeps answering forever.
 */
const TRANSIENT_PROTOCOL_ERRORS = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'KAFKA_STORAGE_ERROR',
  'BROKER_NOT_AVAILABLE',
  'NOT_CONTROLLER',
]);

/** The deepest cause chain worth walking; kafkajs nests two or three levels. */
const MAX_CAUSE_DEPTH = 8;

/**
 * isTransientKafkaError tells whether an error (or any error in its `cause`
 * chain, where kafkajs and KafkaTransportError keep the original) means the
 * broker was unreachable or briefly unable to serve, so the same request may
 * succeed later: a broker stopped, restarting or moving a leader.
 */
export function isTransientKafkaError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (TRANSIENT_KAFKAJS_ERRORS.has(current.name)) return true;
    const type = (current as { type?: unknown }).type;
    if (current.name === 'KafkaJSProtocolError' && typeof type === 'string' && TRANSIENT_PROTOCOL_ERRORS.has(type)) return true;
    current = current.cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}
