import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createKafka } from '../../src/kafka/create-kafka.js';
import { createConsumerRunner } from '../../src/kafka/consumer-runner.js';
import { ensureTopics } from '../../src/kafka/ensure-topics.js';
import { KafkaTransportError } from '../../src/kafka/kafka-transport-error.js';
import { startLocalBroker, type LocalBroker } from '../../src/kafka/local-broker.js';
import { createMeshProducer } from '../../src/kafka/mesh-producer.js';
import { recordReliability } from '../support/reliability-report.js';
import { readRecords, uniqueName } from '../support/kafka.js';
import { createTestCa, LOCALHOST_NAMES } from '../support/test-pki.js';

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

async function roundTrip(env: NodeJS.ProcessEnv, label: string): Promise<{ sent: number; received: number; unique: number; ms: number }> {
  const kafka = createKafka({ clientId: uniqueName(label), env });
  const topic = uniqueName(label);
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
  for (let i = 0; i < RECORDS; i++) assert.ok(values.has(`v${i}`), `v${i} came back`);
  return { sent: RECORDS, received: records.length, unique: values.size, ms: Math.round(performance.now() - started) };
}

describe('Kafka over SASL, configured from the environment', () => {
  let broker: LocalBroker;
  let saslEnv: (mechanism: string, password: string) => NodeJS.ProcessEnv;
  let dir: string;
  let caFile: string;

  before(async () => {
    const ca = await createTestCa();
    const brokerCert = await ca.issue('kafka', LOCALHOST_NAMES);
    dir = mkdtempSync(join(tmpdir(), 'mesh-kafka-ca-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.cert);
    broker = await startLocalBroker({
      port: await freePort(),
      controllerPort: await freePort(),
      ephemeral: true,
      sasl: {
        port: await freePort(),
        mechanisms: ['PLAIN', 'SCRAM-SHA-256'],
        users: { [USER]: PASSWORD },
        tls: { port: await freePort(), ...brokerCert },
      },
    });
    saslEnv = (mechanism, password) => ({
      KAFKA_BROKERS: broker.saslBrokers!.join(','),
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: password,
    });
  });
  after(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const mechanism of ['plain', 'scram-sha-256']) {
    test(`${mechanism}: produce and consume with the right credentials`, async () => {
      const result = await roundTrip(saslEnv(mechanism, PASSWORD), `sasl-${mechanism}`);
      assert.equal(result.unique, RECORDS);
      recordReliability({ area: 'security', faultOrInput: `Kafka SASL ${mechanism.toUpperCase()} from KAFKA_SASL_* (own broker)`, load: `${RECORDS} records produced and consumed`, lost: RECORDS - result.unique, duplicates: result.received - result.unique, command: COMMAND, notes: `round trip in ${result.ms} ms` });
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

  test('SCRAM-SHA-256 over TLS (SASL_SSL) with KAFKA_TLS_CA_FILE; without the CA the broker is not trusted', async () => {
    const env = { ...saslEnv('scram-sha-256', PASSWORD), KAFKA_BROKERS: broker.saslTlsBrokers!.join(','), KAFKA_TLS_CA_FILE: caFile };
    const result = await roundTrip(env, 'sasl-ssl');
    assert.equal(result.unique, RECORDS);
    const untrusting = createKafka({ clientId: uniqueName('sasl-ssl-untrusted'), env: { ...env, KAFKA_TLS_CA_FILE: '', KAFKA_TLS: '1' }, retry: { retries: 0 } });
    const admin = untrusting.admin();
    const error = await admin.connect().then(
      () => assert.fail('a broker signed by an unknown CA must not be trusted'),
      (error: unknown) => error,
    );
    assert.match(errorText(error), /self-signed certificate|unable to verify/i);
    await admin.disconnect().catch(() => undefined);
    recordReliability({ area: 'security', faultOrInput: 'Kafka SASL_SSL (SCRAM-SHA-256 over TLS, CA from KAFKA_TLS_CA_FILE)', load: `${RECORDS} records produced and consumed`, lost: RECORDS - result.unique, duplicates: result.received - result.unique, command: COMMAND, notes: `round trip in ${result.ms} ms; a client without the CA refuses the broker certificate` });
  });
});
