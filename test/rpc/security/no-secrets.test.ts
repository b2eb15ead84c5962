import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ConnectError } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { runWithContext } from '../../../src/context/index.js';
import {
  createServiceKeyPair,
  createServiceTokenSigner,
  serviceTokenSignerFromEnv,
  type ServiceTokenSigner,
} from '../../../src/rpc/auth/index.js';
import { createMeshClient } from '../../../src/rpc/client/index.js';
import { createServer, type MeshServer } from '../../../src/rpc/server/index.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { recordReliability } from '../../support/reliability-report.js';
import { identityService } from './identity-service.js';

const COMMAND = 'npm test -- test/rpc/security/no-secrets';

/** Captured collects every line the logger, console and the standard streams got during a test. */
class Captured extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(chunk.toString());
    done();
  }
  text(): string {
    return this.lines.join('');
  }
}

async function capturingStdio<T>(into: Captured, fn: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write.bind(stream));
  const consoleError = console.error;
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      into.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return (writes[i] as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  });
  console.error = (...args: unknown[]) => {
    into.lines.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : String(arg))).join(' '));
  };
  try {
    return await fn();
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i] as typeof stream.write));
    console.error = consoleError;
  }
}

function everythingIn(error: unknown): string {
  if (!(error instanceof ConnectError)) return String(error);
  return [error.message, error.rawMessage, JSON.stringify([...error.metadata]), JSON.stringify(error.details), error.stack ?? ''].join('\n');
}

describe('no secret in logs or error messages', () => {
  let server: MeshServer;
  const logs = new Captured();
  let trusted: ServiceTokenSigner;

  before(async () => {
    const market = await createServiceKeyPair('market');
    trusted = createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey });
    server = await createServer({
      services: [identityService()],
      host: '127.0.0.1',
      serviceAuth: {
        tokens: { keys: { keys: [market.publicJwk] } },
        policy: { 'auth.v1.AuthService/GetUser': ['market'] },
        logger: createLogger({ name: 'no-secrets', level: 'debug', destination: logs }),
      },
    });
  });
  after(() => server.close());

  test('rejected calls never echo the service token or the end user token', async () => {
    const forger = await createServiceKeyPair('market');
    const forged = createServiceTokenSigner({ issuer: 'market', privateKey: forger.privateKey });
    const forgedToken = await forged.token('auth.v1.AuthService');
    const validToken = await trusted.token('billing.v1.BillingService');
    const userToken = `user-token-${Math.random().toString(36).slice(2)}`;
    const secrets = [forgedToken, validToken, userToken, forgedToken.split('.')[2]!, validToken.split('.')[2]!];
    const errors: unknown[] = [];
    const stdio = new Captured();
    await capturingStdio(stdio, async () => {
      for (const signer of [forged, trusted]) {
        for (const protocol of ['connect', 'grpc'] as const) {
          const mesh = createMeshClient(AuthService, {
            baseUrls: server.url,
            protocol,
            retry: false,
            breaker: false,
            // The valid token is sent to the wrong audience, so both are refused.
            serviceToken: { signer, audience: () => (signer === trusted ? 'billing.v1.BillingService' : 'auth.v1.AuthService') },
          });
          try {
            await runWithContext({ userId: 'u1', authToken: userToken }, () => mesh.client.getUser({ userId: 'u1' })).then(
              () => assert.fail('refused'),
              (error: unknown) => errors.push(error),
            );
          } finally {
            mesh.close();
          }
        }
      }
      // A logger asked to print the secrets outright redacts them.
      createLogger({ name: 'careless', destination: logs }).warn(
        { headers: { authorization: `Bearer ${userToken}`, 'x-service-token': forgedToken }, serviceToken: validToken, password: userToken },
        'careless line',
      );
    });
    assert.equal(errors.length, 4);
    const logText = logs.text() + stdio.text();
    assert.match(logText, /service call rejected/, 'the rejections were logged');
    assert.match(logText, /careless line/);
    for (const error of errors) {
      assert.ok(error instanceof ConnectError);
      for (const secret of secrets) assert.ok(!everythingIn(error).includes(secret), `error "${error.message}" carries no secret`);
    }
    for (const secret of secrets) assert.ok(!logText.includes(secret), 'no secret in the captured logs');
    recordReliability({ area: 'security', faultOrInput: 'forged and misaddressed service tokens with an end-user token; a log line of raw secrets', load: `${errors.length} refused calls, ${logs.lines.length + stdio.lines.length} log lines`, lost: 0, duplicates: 0, command: COMMAND, notes: `${secrets.length} secret strings searched in errors and logs: 0 found` });
  });

  test('a bad signing key file is named, its content never shown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-token-key-'));
    const content = `-----BEGIN PRIVATE KEY-----\nnot-a-key-${Math.random().toString(36).slice(2)}\n-----END PRIVATE KEY-----\n`;
    try {
      writeFileSync(join(dir, 'key.pem'), content);
      assert.throws(
        () => serviceTokenSignerFromEnv({ MESH_SERVICE_NAME: 'market', MESH_SERVICE_TOKEN_KEY: join(dir, 'key.pem') }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /MESH_SERVICE_TOKEN_KEY=.*key\.pem is not a PEM ES256 private key/);
          assert.ok(!error.message.includes('not-a-key'));
          return true;
        },
      );
      assert.throws(() => serviceTokenSignerFromEnv({ MESH_SERVICE_TOKEN_KEY: join(dir, 'key.pem') }), /MESH_SERVICE_NAME is not/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
