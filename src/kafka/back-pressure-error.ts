import { KafkaTransportError } from './kafka-transport-error.js';

/**
 * BackPressureError is thrown by a record handler that cannot take the record
 * now (a downstream service is overloaded, a breaker is open): the consumer
 * runner leaves the record uncommitted, pauses its partition for
 * `retryAfterMs`, and then delivers the same record again. Other partitions go on.
 */
export class BackPressureError extends KafkaTransportError {
  constructor(
    readonly retryAfterMs: number,
    message = `back-pressure: retry in ${retryAfterMs} ms`,
    options?: { cause?: unknown },
  ) {
    super('BACK_PRESSURE', message, options);
  }
}
