import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createKafka, REDACTED_SECRET } from '../../src/kafka/index.js';

// What the client's logger writes to stderr while `log` runs, one parsed line each.
function stderrLines(log: () => void): Record<string, unknown>[] {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    log();
  } finally {
    process.stderr.write = write;
  }
  return written.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("createKafka's log lines (through kafkajs's own logger)", () => {
  test('a failed attempt of a send kafkajs retries is not logged; other producer errors are, as JSON on stderr', () => {
    const producerLog = createKafka({ clientId: 'log-test' }).logger().namespace('Producer');
    const lines = stderrLines(() => {
      // What kafkajs's sendMessages logs before it retries a transactional Produce answered CONCURRENT_TRANSACTIONS.
      producerLog.error('Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing', { retryCount: 0, retryTime: 252 });
      producerLog.error('Failed to execute listener: boom', { eventName: 'producer.connect' });
    });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 'ERROR');
    assert.equal(lines[0]!.namespace, 'Producer');
    assert.equal(lines[0]!.message, 'Failed to execute listener: boom');
    assert.equal(lines[0]!.eventName, 'producer.connect');
  });

  test("the Connection namespace's per-response errors are not logged", () => {
    const kafka = createKafka({ clientId: 'log-test' });
    const lines = stderrLines(() => {
      kafka.logger().namespace('Connection').error('Response Metadata(key: 3, version: 6)', { error: 'There is no leader for this topic-partition' });
      kafka.logger().namespace('Consumer').error('Crash: KafkaJSNumberOfRetriesExceeded', { groupId: 'g' });
    });
    assert.deepEqual(
      lines.map((line) => line.namespace),
      ['Consumer'],
    );
  });

  test('the SASL password is scrubbed from any line, also in its JSON-escaped form', () => {
    const password = 'pa"ss\\word';
    const kafka = createKafka({ clientId: 'log-test', sasl: { mechanism: 'plain', username: 'mesh', password } });
    const lines = stderrLines(() => kafka.logger().namespace('Consumer').error(`auth with ${password} failed`, { detail: password }));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.message, `auth with ${REDACTED_SECRET} failed`);
    assert.equal(lines[0]!.detail, REDACTED_SECRET);
  });
});
