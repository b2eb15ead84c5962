import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createKafka } from '../../src/kafka/create-kafka.js';
import { createConsumerRunner } from '../../src/kafka/consumer-runner.js';
import { ensureTopics } from '../../src/kafka/ensure-topics.js';
import { KafkaTransportError } from '../../src/kafka/kafka-transport-error.js';
import { startLocalBroker, type LocalBroker } from '../../src/kafka/local-broker.js';
import { createMeshProducer } from '../../src/kafka/mesh-producer.js';
import { recordReliability } from '../support/reliability-report.js';
import { readRecords, uniqueName } from '../support/kafka.js';

const COMMAND = 'npm test -- test/kafka/sasl';
const USER = 'mesh-app';
const PASSWORD = `pw-${uniqueName('secret')}`;
const WRONG_PASSWORD = `wrong-${uniqueName('secret')}`;
const RECORDS = 20;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** captureStderr collects what kafkajs (and anything else) writes to stderr while fn runs. */
async function captureStderr<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) parts.push(current.name, current.message, current.stack ?? '');
  return parts.join('\n');
}

describe('Kafka over SASL, configured from the environment', () => {
  let broker: LocalBroker;
  let saslEnv: (mechanism: string, password: string) => NodeJS.ProcessEnv;

  before(async () => {
    broker = await startLocalBroker({
      port: await freePort(),
      controllerPort: await freePort(),
      ephemeral: true,
      sasl: { port: await freePort(), mechanisms: ['PLAIN', 'SCRAM-SHA-256'], users: { [USER]: PASSWORD } },
    });
    saslEnv = (mechanism, password) => ({
      KAFKA_BROKERS: broker.saslBrokers!.join(','),
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: password,
    });
  });
  after(() => broker?.stop());

  for (const mechanism of ['plain', 'scram-sha-256']) {
    test(`${mechanism}: produce and consume with the right credentials`, async () => {
      const kafka = createKafka({ clientId: uniqueName(`sasl-${mechanism}`), env: saslEnv(mechanism, PASSWORD) });
      const topic = uniqueName(`sasl-${mechanism}`);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [{ topic, partitions: 1 }]);
      } finally {
        await admin.disconnect();
      }
      const started = performance.now();
      const producer = createMeshProducer(kafka);
      try {
        await producer.send(Array.from({ length: RECORDS }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })));
      } finally {
        await producer.close();
      }
      const records = await readRecords(kafka, topic, RECORDS);
      const values = new Set(records.map((record) => record.message.value?.toString()));
      assert.equal(values.size, RECORDS);
      for (let i = 0; i < RECORDS; i++) assert.ok(values.has(`v${i}`));
      recordReliability({ area: 'security', faultOrInput: `Kafka SASL ${mechanism.toUpperCase()} from KAFKA_SASL_* (own broker)`, load: `${RECORDS} records produced and consumed`, lost: RECORDS - values.size, duplicates: records.length - values.size, command: COMMAND, notes: `round trip in ${Math.round(performance.now() - started)} ms` });
    });

    test(`${mechanism}: a wrong password is AUTHENTICATION_FAILED, and the password is nowhere in errors or logs`, async () => {
      const kafka = createKafka({ clientId: uniqueName('sasl-wrong'), env: saslEnv(mechanism, WRONG_PASSWORD) });
      const { result: errors, stderr } = await captureStderr(async () => {
        const producer = createMeshProducer(kafka);
        const sent = await producer.send([{ topic: uniqueName('never'), value: 'x' }]).catch((error: unknown) => error);
        await producer.close();
        const runner = createConsumerRunner(kafka, { groupId: uniqueName('sasl-wrong'), topics: [uniqueName('never')], handler: async () => undefined });
        const started = await runner.start().catch((error: unknown) => error);
        await runner.stop();
        return [sent, started];
      });
      for (const error of errors) {
        assert.ok(error instanceof KafkaTransportError, `typed error, got ${String(error)}`);
        assert.equal(error.code, 'AUTHENTICATION_FAILED');
        assert.match(error.message, /refused the SASL credentials; check KAFKA_SASL_MECHANISM/);
        assert.ok(!errorText(error).includes(WRONG_PASSWORD), 'the password is not in the error or its causes');
        assert.ok(!errorText(error).includes(PASSWORD));
      }
      assert.ok(!stderr.includes(WRONG_PASSWORD), 'the password is not in the logs');
      recordReliability({ area: 'security', faultOrInput: `Kafka SASL ${mechanism.toUpperCase()} with a wrong password`, load: '1 send + 1 consumer start', lost: 0, duplicates: 0, command: COMMAND, notes: 'both fail with AUTHENTICATION_FAILED; password absent from errors, causes and stderr' });
    });
  }
});
