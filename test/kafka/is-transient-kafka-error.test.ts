import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { isTransientKafkaError, KafkaTransportError } from '../../src/kafka/index.js';

// kafkajs's error classes are CommonJS exports Node cannot name statically.
const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
const protocolError = (type: string) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, retriable: true }) as never);

describe('isTransientKafkaError', () => {
  test('a refused connection is transient, also when kafkajs and the toolkit wrap it', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9');
    assert.equal(isTransientKafkaError(refused), true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1000 });
    assert.equal(isTransientKafkaError(new KafkaTransportError('SEND_FAILED', 'not acknowledged', { cause: exhausted })), true);
  });

  test('a leader moving is transient; a missing topic and a rejected record are not', () => {
    assert.equal(isTransientKafkaError(protocolError('NOT_LEADER_OR_FOLLOWER')), true);
    assert.equal(isTransientKafkaError(protocolError('UNKNOWN_TOPIC_OR_PARTITION')), false);
    assert.equal(isTransientKafkaError(protocolError('MESSAGE_TOO_LARGE')), false);
  });

  test('anything else is not', () => {
    assert.equal(isTransientKafkaError(new KafkaJSNonRetriableError('bad request')), false);
    assert.equal(isTransientKafkaError(new TypeError('x is undefined')), false);
    assert.equal(isTransientKafkaError('a string'), false);
    assert.equal(isTransientKafkaError(undefined), false);
  });
});
