import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { isPortOpen } from '../../src/kafka/broker-readiness.js';
import { createKafka } from '../../src/kafka/create-kafka.js';
import { brokersFromEnv, kafkaBrokers } from '../../src/kafka/kafka-brokers.js';
import { LocalBrokerError } from '../../src/kafka/local-broker-error.js';
import { startLocalBroker } from '../../src/kafka/local-broker.js';
import { freePort } from '../support/free-port.js';
import { uniqueName } from '../support/kafka.js';

describe('KAFKA_BROKERS', () => {
  test('a comma-separated list is split and trimmed', () => {
    assert.deepEqual(brokersFromEnv({ KAFKA_BROKERS: ' a:9092, b:9093 ,' }), ['a:9092', 'b:9093']);
  });
  test('unset or blank means the local broker', () => {
    assert.equal(brokersFromEnv({}), undefined);
    assert.equal(brokersFromEnv({ KAFKA_BROKERS: ' ' }), undefined);
    assert.deepEqual(kafkaBrokers({}), ['127.0.0.1:9092']);
  });
});

describe('startLocalBroker', () => {
  test('reuses a broker that already answers on the port', async () => {
    const [host, port] = kafkaBrokers()[0]!.split(':');
    const broker = await startLocalBroker({ host, port: Number(port) });
    assert.equal(broker.reused, true);
    assert.equal(broker.pid, undefined);
    await broker.stop();
    assert.equal(await isPortOpen(host!, Number(port)), true, 'stopping a reused broker leaves it running');
  });

  test('refuses a port held by something that is not Kafka, with a typed error', async () => {
    const squatter = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    try {
      await assert.rejects(startLocalBroker({ port }), (error: unknown) => {
        assert.ok(error instanceof LocalBrokerError);
        assert.equal(error.code, 'PORT_TAKEN');
        assert.match(error.message, new RegExp(`${port}`));
        return true;
      });
    } finally {
      squatter.close();
    }
  });

  test('starts a fresh broker from the cached artifacts, serves records, and stops cleanly', async () => {
    const port = await freePort();
    const broker = await startLocalBroker({ port, controllerPort: await freePort(), ephemeral: true });
    try {
      assert.equal(broker.reused, false);
      assert.ok(broker.pid && broker.pid > 0);
      const kafka = createKafka({ brokers: broker.brokers });
      const topic = uniqueName('launcher');
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'hello' }] });
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      const partitions = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const stored = partitions.reduce((sum, partition) => sum + Number(partition.high), 0);
      assert.equal(stored, 1, 'the one record sent is stored');
    } finally {
      await broker.stop();
    }
    assert.equal(await isPortOpen('127.0.0.1', port), false, 'the port is free after stop');
    assert.throws(() => process.kill(broker.pid!, 0), 'the JVM is gone');
  });
});

describe('mesh kafka without Java', () => {
  test('exits non-zero with one line that says what to do', async () => {
    const port = await freePort();
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'kafka', '--port', String(port)], {
      encoding: 'utf8',
      env: { ...process.env, PATH: '/nonexistent', KAFKA_BROKERS: '' },
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^mesh: Java 17\+ is needed .*\[JAVA_NOT_FOUND\]$/m);
  });
});
