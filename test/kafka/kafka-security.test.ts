import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KafkaTransportError } from '../../src/kafka/kafka-transport-error.js';
import { kafkaSecurityFromEnv } from '../../src/kafka/kafka-security.js';
import { localBrokerProperties, localBrokerScramArguments } from '../../src/kafka/local-broker-config.js';

const SECRET = 'hunter2-do-not-print';

function invalid(env: NodeJS.ProcessEnv, message: RegExp): void {
  assert.throws(
    () => kafkaSecurityFromEnv(env),
    (error: unknown) => {
      assert.ok(error instanceof KafkaTransportError);
      assert.equal(error.code, 'INVALID_SECURITY_CONFIG');
      assert.match(error.message, message);
      assert.ok(!error.message.includes(SECRET), 'the password is never in the message');
      return true;
    },
  );
}

describe('kafkaSecurityFromEnv', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-kafka-tls-'));
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, name), `-----BEGIN ${name}-----\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('nothing set is plaintext without SASL', () => {
    assert.deepEqual(kafkaSecurityFromEnv({}), {});
    assert.deepEqual(kafkaSecurityFromEnv({ KAFKA_TLS: '0' }), {});
  });

  test('each SASL mechanism, in any case', () => {
    for (const mechanism of ['plain', 'SCRAM-SHA-256', 'scram-sha-512']) {
      assert.deepEqual(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: SECRET }), {
        sasl: { mechanism: mechanism.toLowerCase(), username: 'app', password: SECRET },
      });
    }
  });

  test('TLS from KAFKA_TLS or from the files', () => {
    assert.deepEqual(kafkaSecurityFromEnv({ KAFKA_TLS: '1' }), { ssl: true });
    const ssl = kafkaSecurityFromEnv({ KAFKA_TLS_CA_FILE: join(dir, 'ca.pem'), KAFKA_TLS_CERT_FILE: join(dir, 'cert.pem'), KAFKA_TLS_KEY_FILE: join(dir, 'key.pem') }).ssl;
    assert.ok(ssl && typeof ssl === 'object');
    assert.match(String((ssl.ca as Buffer[])[0]), /BEGIN ca\.pem/);
    assert.match(String(ssl.cert), /BEGIN cert\.pem/);
    assert.match(String(ssl.key), /BEGIN key\.pem/);
  });

  test('bad combinations are INVALID_SECURITY_CONFIG, naming variables but never the password', () => {
    invalid({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: SECRET }, /KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512, got "gssapi"/);
    invalid({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'app' }, /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    invalid({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: SECRET }, /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    invalid({ KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: SECRET }, /KAFKA_SASL_MECHANISM is not/);
    invalid({ KAFKA_TLS: 'maybe' }, /KAFKA_TLS must be 1 or 0/);
    invalid({ KAFKA_TLS: '0', KAFKA_TLS_CA_FILE: join(dir, 'ca.pem') }, /KAFKA_TLS=0 but TLS files/);
    invalid({ KAFKA_TLS_CERT_FILE: join(dir, 'cert.pem') }, /KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together/);
    invalid({ KAFKA_TLS_CA_FILE: join(dir, 'nope.pem') }, /KAFKA_TLS_CA_FILE=.*nope\.pem cannot be read \(ENOENT\)/);
  });
});

describe('local broker SASL listener', () => {
  const sasl = { port: 19094, users: { app: 'pw-1' } };

  test('adds a SASL_PLAINTEXT listener with PLAIN users in JAAS and SCRAM in the cluster metadata', () => {
    const properties = localBrokerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093, logDir: '/tmp/x', sasl });
    assert.match(properties, /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092,CONTROLLER:\/\/127\.0\.0\.1:19093,SASL_PLAINTEXT:\/\/127\.0\.0\.1:19094$/m);
    assert.match(properties, /^advertised\.listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092,SASL_PLAINTEXT:\/\/127\.0\.0\.1:19094$/m);
    assert.match(properties, /^sasl\.enabled\.mechanisms=PLAIN,SCRAM-SHA-256$/m);
    assert.match(properties, /^listener\.name\.sasl_plaintext\.plain\.sasl\.jaas\.config=.*PlainLoginModule required user_app="pw-1";$/m);
    assert.match(properties, /^listener\.name\.sasl_plaintext\.scram-sha-256\.sasl\.jaas\.config=.*ScramLoginModule required;$/m);
    assert.deepEqual(localBrokerScramArguments(sasl), ['--add-scram', 'SCRAM-SHA-256=[name=app,password=pw-1]']);
    assert.deepEqual(localBrokerScramArguments(undefined), []);
  });

  test('a SASL_SSL listener carries its PEM certificate inline, one properties line each', () => {
    const tls = { port: 19095, cert: '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n', key: '-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n' };
    const properties = localBrokerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093, logDir: '/tmp/x', sasl: { ...sasl, tls } });
    assert.match(properties, /^listeners=.*,SASL_PLAINTEXT:\/\/127\.0\.0\.1:19094,SASL_SSL:\/\/127\.0\.0\.1:19095$/m);
    assert.match(properties, /^listener\.name\.sasl_ssl\.plain\.sasl\.jaas\.config=.*user_app="pw-1";$/m);
    assert.match(properties, /^listener\.name\.sasl_ssl\.ssl\.keystore\.type=PEM$/m);
    assert.match(properties, /^listener\.name\.sasl_ssl\.ssl\.keystore\.certificate\.chain=-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----$/m);
    assert.match(properties, /^listener\.name\.sasl_ssl\.ssl\.keystore\.key=-----BEGIN PRIVATE KEY-----\\nBBB\\n-----END PRIVATE KEY-----$/m);
  });

  test('refuses credentials that would need escaping, without quoting the password', () => {
    assert.throws(() => localBrokerScramArguments({ port: 1, users: { app: 'a"b' } }), (error: unknown) => error instanceof RangeError && !error.message.includes('a"b'));
    assert.throws(() => localBrokerScramArguments({ port: 1, users: { 'a b': 'ok' } }), /SASL user name "a b"/);
  });
});
