import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { createMeshClient, closeMeshClients, authClient, type ClientTlsOptions } from '../../../src/rpc/client/index.js';
import { createServer, serverTlsFromEnv, type MeshServer } from '../../../src/rpc/server/index.js';
import { recordReliability } from '../../support/reliability-report.js';
import { identityService, seenBy } from './identity-service.js';
import { createTestCa, LOCALHOST_NAMES, type PemPair, type TestCa } from '../../support/test-pki.js';

const COMMAND = 'npm test -- test/rpc/security/mtls';

function client(server: MeshServer, tls: ClientTlsOptions | undefined, protocol: 'connect' | 'grpc' = 'connect', httpVersion: '1.1' | '2' = '2') {
  return createMeshClient(AuthService, { baseUrls: server.url, protocol, httpVersion, ...(tls && { tls }), retry: false, breaker: false });
}

async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => assert.fail('the call should have been refused'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ConnectError, `a ConnectError, got ${String(error)}`);
  return error;
}

describe('mutual TLS between services', () => {
  let ca: TestCa;
  let market: PemPair;
  let intruder: PemPair;
  let foreign: PemPair;
  let server: MeshServer;

  before(async () => {
    ca = await createTestCa();
    const serverPair = await ca.issue('auth', LOCALHOST_NAMES);
    market = await ca.issue('market');
    intruder = await ca.issue('intruder');
    foreign = await (await createTestCa('another CA')).issue('market');
    server = await createServer({
      services: [identityService()],
      host: '127.0.0.1',
      tls: { ...serverPair, ca: ca.cert, requestCert: true },
      serviceAuth: { policy: { 'auth.v1.AuthService': ['market'] }, certificateIdentity: true },
    });
  });
  after(() => server.close());

  test('a client with a certificate of the mesh CA calls over Connect (HTTP/2 and 1.1) and gRPC; the handler sees its service', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const started = performance.now();
    let calls = 0;
    for (const [protocol, httpVersion] of [['connect', '2'], ['grpc', '2'], ['connect', '1.1']] as const) {
      const mesh = client(server, { ca: ca.cert, ...market }, protocol, httpVersion);
      try {
        const seen = seenBy(await mesh.client.getUser({ userId: `u-${protocol}-${httpVersion}` }));
        assert.deepEqual(seen.service, { service: 'market', via: 'certificate' }, `${protocol} over HTTP/${httpVersion}`);
        calls++;
      } finally {
        mesh.close();
      }
    }
    assert.equal(calls, 3);
    recordReliability({ area: 'security', faultOrInput: 'mutual TLS: client with a mesh-CA certificate (Connect h2, gRPC, Connect HTTP/1.1)', load: `${calls} calls`, lost: 3 - calls, duplicates: 0, command: COMMAND, notes: `all accepted, caller identified from the certificate CN in ${Math.round(performance.now() - started)} ms` });
  });

  test('a client without a certificate is refused during the TLS handshake', async () => {
    const mesh = client(server, { ca: ca.cert });
    try {
      const error = await rejection(mesh.client.getUser({ userId: 'anonymous' }));
      assert.equal(error.code, Code.Unavailable);
      assert.match(error.rawMessage, /^TLS with https:\/\/127\.0\.0\.1:\d+ failed: tlsv13 alert certificate required$/);
    } finally {
      mesh.close();
    }
    recordReliability({ area: 'security', faultOrInput: 'mutual TLS: client without a certificate', load: '1 call', lost: 0, duplicates: 0, command: COMMAND, notes: 'refused in the handshake (Unavailable, "certificate required")' });
  });

  test('a client whose certificate comes from another CA is refused', async () => {
    for (const protocol of ['connect', 'grpc'] as const) {
      const mesh = client(server, { ca: ca.cert, ...foreign }, protocol);
      try {
        const error = await rejection(mesh.client.getUser({ userId: 'foreign' }));
        assert.equal(error.code, Code.Unavailable, protocol);
        assert.match(error.rawMessage, /^TLS with https:\/\/127\.0\.0\.1:\d+ failed: the server closed the connection right after the TLS handshake; does it trust this client certificate\?$/, protocol);
      } finally {
        mesh.close();
      }
    }
    recordReliability({ area: 'security', faultOrInput: 'mutual TLS: client certificate from another CA', load: '2 calls (Connect, gRPC)', lost: 0, duplicates: 0, command: COMMAND, notes: 'both refused right after the handshake (Unavailable, "TLS with ... failed")' });
  });

  test('a client that does not trust the server CA refuses the server', async () => {
    const mesh = client(server, { ...market });
    try {
      const error = await rejection(mesh.client.getUser({ userId: 'distrust' }));
      assert.equal(error.code, Code.Unavailable);
      assert.match(error.rawMessage, /^TLS with https:\/\/127\.0\.0\.1:\d+ failed: self-signed certificate in certificate chain$/);
    } finally {
      mesh.close();
    }
  });

  test('a valid certificate of a service the policy does not allow gets PermissionDenied', async () => {
    const mesh = client(server, { ca: ca.cert, ...intruder });
    try {
      const error = await rejection(mesh.client.getUser({ userId: 'x' }));
      assert.equal(error.code, Code.PermissionDenied);
      assert.match(error.rawMessage, /"intruder" may not call \/auth\.v1\.AuthService\/GetUser/);
    } finally {
      mesh.close();
    }
    recordReliability({ area: 'security', faultOrInput: 'mutual TLS: valid certificate of a service the policy does not allow', load: '1 call', lost: 0, duplicates: 0, command: COMMAND, notes: 'PermissionDenied' });
  });

  test('a plaintext client to the TLS server fails clearly', async () => {
    const started = performance.now();
    for (const protocol of ['connect', 'grpc'] as const) {
      const plain = createMeshClient(AuthService, { baseUrls: server.url.replace('https:', 'http:'), protocol, retry: false, breaker: false, defaultTimeoutMs: 5_000 });
      try {
        const error = await rejection(plain.client.getUser({ userId: 'plain' }));
        assert.equal(error.code, Code.Unavailable, protocol);
        assert.match(error.rawMessage, /^http:\/\/127\.0\.0\.1:\d+: the server closed the connection as soon as it was opened; does it expect TLS \(https:\/\/\)\?$/, protocol);
      } finally {
        plain.close();
      }
    }
    recordReliability({ area: 'security', faultOrInput: 'plaintext (h2c) client to a TLS server', load: '2 calls (Connect, gRPC)', lost: 0, duplicates: 0, command: COMMAND, notes: `both fail with Unavailable "does it expect TLS (https://)?" in ${Math.round(performance.now() - started)} ms, no hang` });
  });

  test('the ready clients and servers take their certificates from MESH_TLS_CA / MESH_TLS_CERT / MESH_TLS_KEY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-tls-env-'));
    const names = ['AUTH_SERVICE_URL', 'MESH_TLS_CA', 'MESH_TLS_CERT', 'MESH_TLS_KEY'];
    const saved = names.map((name) => [name, process.env[name]] as const);
    try {
      writeFileSync(join(dir, 'ca.pem'), ca.cert);
      writeFileSync(join(dir, 'market.pem'), market.cert);
      writeFileSync(join(dir, 'market-key.pem'), market.key);
      Object.assign(process.env, {
        AUTH_SERVICE_URL: server.url,
        MESH_TLS_CA: join(dir, 'ca.pem'),
        MESH_TLS_CERT: join(dir, 'market.pem'),
        MESH_TLS_KEY: join(dir, 'market-key.pem'),
      });
      const seen = seenBy(await authClient.getUser({ userId: 'from-env' }));
      assert.deepEqual(seen.service, { service: 'market', via: 'certificate' });
      assert.deepEqual(serverTlsFromEnv(), { cert: Buffer.from(market.cert), key: Buffer.from(market.key), ca: Buffer.from(ca.cert), requestCert: true, rejectUnauthorized: true });
      process.env.MESH_TLS_KEY = join(dir, 'missing.pem');
      assert.throws(() => serverTlsFromEnv(), (error: unknown) => error instanceof TypeError && /MESH_TLS_KEY=.*missing\.pem cannot be read \(ENOENT\)/.test(error.message));
      delete process.env.MESH_TLS_KEY;
      assert.throws(() => serverTlsFromEnv(), /MESH_TLS_CERT and MESH_TLS_KEY go together/);
    } finally {
      closeMeshClients();
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
