import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../../gen/auth/v1/user_pb.js';
import { Health, HealthCheckResponse_ServingStatus } from '../../../gen/grpc/health/v1/health_pb.js';
import { runWithContext } from '../../../src/context/index.js';
import {
  createServiceKeyPair,
  createServiceTokenSigner,
  SERVICE_TOKEN_HEADER,
  serviceTokenKeysFromEnv,
  type ServiceKeyPair,
  type ServiceTokenSigner,
} from '../../../src/rpc/auth/index.js';
import { authClient, closeMeshClients, createMeshClient } from '../../../src/rpc/client/index.js';
import { createServer, type MeshServer } from '../../../src/rpc/server/index.js';
import { recordReliability } from '../../support/reliability-report.js';
import { identityService, seenBy } from './identity-service.js';

const COMMAND = 'npm test -- test/rpc/security/service-token';
const AUDIENCE = 'auth.v1.AuthService';

interface Rejected {
  warn: object[];
}

describe('service tokens', () => {
  let market: ServiceKeyPair;
  let coordinator: ServiceKeyPair;
  let notification: ServiceKeyPair;
  let stranger: ServiceKeyPair;
  let server: MeshServer;
  const rejected: Rejected = { warn: [] };

  before(async () => {
    market = await createServiceKeyPair('market');
    coordinator = await createServiceKeyPair('saga-coordinator', { algorithm: 'EdDSA' });
    notification = await createServiceKeyPair('notification');
    stranger = await createServiceKeyPair('market', { keyId: 'market' });
    server = await createServer({
      services: [identityService()],
      host: '127.0.0.1',
      serviceAuth: {
        tokens: { keys: { keys: [market.publicJwk, coordinator.publicJwk, notification.publicJwk] } },
        policy: { 'auth.v1.AuthService/GetUser': ['market', 'saga-coordinator'], 'auth.v1.AuthService': ['saga-coordinator'] },
        logger: { warn: (fields: object) => void rejected.warn.push(fields) },
      },
    });
  });
  after(() => server.close());

  function client(signer: ServiceTokenSigner | undefined, protocol: 'connect' | 'grpc' = 'connect') {
    return createMeshClient(AuthService, { baseUrls: server.url, protocol, retry: false, breaker: false, ...(signer && { serviceToken: { signer } }) });
  }

  async function refused(signer: ServiceTokenSigner | undefined, method: 'getUser' | 'createUser' = 'getUser'): Promise<ConnectError> {
    const mesh = client(signer);
    try {
      const call = method === 'getUser' ? mesh.client.getUser({ userId: 'u1' }) : mesh.client.createUser({ email: 'a@example.com', displayName: 'A', roles: [Role.CLIENT] });
      const error = await call.then(
        () => assert.fail('the call should have been refused'),
        (error: unknown) => error,
      );
      assert.ok(error instanceof ConnectError);
      return error;
    } finally {
      mesh.close();
    }
  }

  test('an allowed service calls over Connect and gRPC; the handler sees the service and the end user apart', async () => {
    const signer = createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey });
    let calls = 0;
    for (const protocol of ['connect', 'grpc'] as const) {
      const mesh = client(signer, protocol);
      try {
        const response = await runWithContext({ userId: 'user-42', authToken: 'end-user-token' }, () => mesh.client.getUser({ userId: 'u1' }));
        const seen = seenBy(response);
        assert.deepEqual(seen.service, { service: 'market', via: 'token' }, protocol);
        assert.equal(seen.userId, 'user-42', protocol);
        assert.equal(seen.authToken, 'end-user-token', 'the end-user token is not replaced by the service token');
        calls++;
      } finally {
        mesh.close();
      }
    }
    // EdDSA keys work the same way.
    const edSigner = createServiceTokenSigner({ issuer: 'saga-coordinator', privateKey: coordinator.privateKey, algorithm: 'EdDSA' });
    const mesh = client(edSigner);
    try {
      assert.deepEqual(seenBy(await mesh.client.getUser({ userId: 'u2' })).service, { service: 'saga-coordinator', via: 'token' });
      assert.equal((await mesh.client.createUser({ email: 'b@example.com', displayName: 'B', roles: [Role.CLIENT] })).user?.userId, 'created');
      calls += 2;
    } finally {
      mesh.close();
    }
    assert.equal(calls, 4);
    recordReliability({ area: 'security', faultOrInput: 'service token (ES256, EdDSA) from an allowed caller, end user in its own headers', load: `${calls} calls (Connect, gRPC)`, lost: 4 - calls, duplicates: 0, command: COMMAND, notes: 'handler saw the service identity and the end user (user id, auth token) separately' });
  });

  test('the token is signed once and reused until near expiry, not per call', async () => {
    // The server's clock is real; this one only moves the signer's cache forward.
    let now = Date.now();
    const signer = createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey, ttlSeconds: 300, refreshBeforeSeconds: 60, now: () => now });
    const mesh = client(signer);
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => mesh.client.getUser({ userId: `c${i}` })));
      assert.equal(signer.signedCount, 1, '20 calls, one signature');
      now += 239_000;
      await mesh.client.getUser({ userId: 'still-cached' });
      assert.equal(signer.signedCount, 1, 'still more than refreshBeforeSeconds to live');
      now += 2_000;
      await signer.token(AUDIENCE);
      assert.equal(signer.signedCount, 2, 're-signed once inside the refresh window');
    } finally {
      mesh.close();
    }
    // What the cache saves: one ES256 signature against a map lookup.
    const fresh = createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey });
    let started = performance.now();
    await fresh.token(AUDIENCE);
    const signMs = performance.now() - started;
    started = performance.now();
    for (let i = 0; i < 1000; i++) await fresh.token(AUDIENCE);
    const cachedUs = ((performance.now() - started) * 1000) / 1000;
    assert.equal(fresh.signedCount, 1);
    recordReliability({ area: 'security', faultOrInput: 'service token cache', load: '21 calls + 1 refresh', lost: 0, duplicates: 0, command: COMMAND, notes: `${signer.signedCount} signatures for 22 token uses; signing ${signMs.toFixed(2)} ms, cached token ${cachedUs.toFixed(1)} µs` });
  });

  test('a missing, expired, foreign or misaddressed token is Unauthenticated', async () => {
    const cases: [string, ServiceTokenSigner | undefined, RegExp][] = [
      ['missing', undefined, new RegExp(`missing service token \\(${SERVICE_TOKEN_HEADER}\\)`)],
      ['expired', createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey, ttlSeconds: 60, refreshBeforeSeconds: 0, now: () => Date.now() - 3_600_000 }), /service token rejected: (expired|claim "iat")/],
      ['signed by a key nobody trusts', createServiceTokenSigner({ issuer: 'market', privateKey: stranger.privateKey }), /service token rejected: signature does not verify/],
      ['unknown key id', createServiceTokenSigner({ issuer: 'billing', privateKey: stranger.privateKey, keyId: 'billing' }), /service token rejected: signed by an unknown key/],
      ['an issuer speaking for another service', createServiceTokenSigner({ issuer: 'saga-coordinator', privateKey: market.privateKey, keyId: 'market' }), /issuer "saga-coordinator" does not own the signing key/],
    ];
    for (const [name, signer, message] of cases) {
      const error = await refused(signer);
      assert.equal(error.code, Code.Unauthenticated, name);
      assert.match(error.rawMessage, message, name);
    }
    // A token for another service is refused even with a valid signature.
    const misaddressed = createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey });
    const mesh = createMeshClient(AuthService, { baseUrls: server.url, retry: false, breaker: false, serviceToken: { signer: misaddressed, audience: () => 'billing.v1.BillingService' } });
    try {
      const error = await mesh.client.getUser({ userId: 'x' }).catch((e: unknown) => e);
      assert.ok(error instanceof ConnectError && error.code === Code.Unauthenticated);
      assert.match(error.rawMessage, /issued for another service/);
    } finally {
      mesh.close();
    }
    assert.ok(rejected.warn.length >= cases.length + 1, 'every rejection is logged');
    recordReliability({ area: 'security', faultOrInput: 'service token missing, expired, untrusted key, unknown key, spoofed issuer, wrong audience', load: `${cases.length + 1} calls`, lost: 0, duplicates: 0, command: COMMAND, notes: 'each Unauthenticated with its reason, each logged without the token' });
  });

  test('a valid token of a service the policy does not allow is PermissionDenied', async () => {
    const error = await refused(createServiceTokenSigner({ issuer: 'notification', privateKey: notification.privateKey }));
    assert.equal(error.code, Code.PermissionDenied);
    assert.match(error.rawMessage, /service "notification" may not call \/auth\.v1\.AuthService\/GetUser/);
    // market may call GetUser (method entry) but not CreateUser (service default: saga-coordinator only).
    const marketError = await refused(createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey }), 'createUser');
    assert.equal(marketError.code, Code.PermissionDenied);
    recordReliability({ area: 'security', faultOrInput: 'service token of a caller the per-method policy does not allow', load: '2 calls', lost: 0, duplicates: 0, command: COMMAND, notes: 'PermissionDenied (method entry and service default)' });
  });

  test('health stays open without a token, unless openServices says otherwise', async () => {
    const health = createMeshClient(Health, { baseUrls: server.url, protocol: 'grpc', retry: false, breaker: false });
    const closed = await createServer({ services: [identityService()], host: '127.0.0.1', serviceAuth: { policy: {}, openServices: [], logger: { warn: () => undefined } } });
    const closedHealth = createMeshClient(Health, { baseUrls: closed.url, protocol: 'grpc', retry: false, breaker: false });
    try {
      assert.equal((await health.client.check({ service: '' })).status, HealthCheckResponse_ServingStatus.SERVING);
      const error = await closedHealth.client.check({ service: '' }).catch((e: unknown) => e);
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.Unauthenticated);
    } finally {
      health.close();
      closedHealth.close();
      await closed.close();
    }
  });

  test('the ready clients sign with MESH_SERVICE_NAME / MESH_SERVICE_TOKEN_KEY; a server trusts MESH_SERVICE_TOKEN_JWKS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-token-env-'));
    const names = ['AUTH_SERVICE_URL', 'MESH_SERVICE_NAME', 'MESH_SERVICE_TOKEN_KEY'];
    const saved = names.map((name) => [name, process.env[name]] as const);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(join(dir, 'cockpit-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'cockpit', alg: 'ES256', use: 'sig' }] }));
    const keys = serviceTokenKeysFromEnv({ MESH_SERVICE_TOKEN_JWKS: join(dir, 'jwks.json') });
    assert.ok(keys);
    const envServer = await createServer({ services: [identityService()], host: '127.0.0.1', serviceAuth: { tokens: { keys }, policy: { '*': ['cockpit'] } } });
    try {
      Object.assign(process.env, { AUTH_SERVICE_URL: envServer.url, MESH_SERVICE_NAME: 'cockpit', MESH_SERVICE_TOKEN_KEY: join(dir, 'cockpit-key.pem') });
      assert.deepEqual(seenBy(await authClient.getUser({ userId: 'env' })).service, { service: 'cockpit', via: 'token' });
      assert.throws(() => serviceTokenKeysFromEnv({ MESH_SERVICE_TOKEN_JWKS: join(dir, 'cockpit-key.pem') }), /MESH_SERVICE_TOKEN_JWKS=.* is not JSON/);
    } finally {
      closeMeshClients();
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await envServer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
