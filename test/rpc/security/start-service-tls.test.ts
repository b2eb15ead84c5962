import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../../gen/auth/v1/user_pb.js';
import { createServiceKeyPair, createServiceTokenSigner } from '../../../src/rpc/auth/index.js';
import { createMeshClient } from '../../../src/rpc/client/index.js';
import { startService } from '../../../src/services/start-service.js';
import { recordReliability } from '../../support/reliability-report.js';
import { createTestCa, LOCALHOST_NAMES } from '../../support/test-pki.js';

test('a reference service started with mutual TLS and service auth serves only authenticated, allowed callers', async () => {
  const ca = await createTestCa();
  const market = await createServiceKeyPair('market');
  const service = await startService('auth', {
    port: 0,
    tls: { ...(await ca.issue('auth', LOCALHOST_NAMES)), ca: ca.cert, requestCert: true },
    serviceAuth: { tokens: { keys: { keys: [market.publicJwk] } }, policy: { 'auth.v1.AuthService': ['market'] } },
  });
  const tls = { ca: ca.cert, ...(await ca.issue('market')) };
  const signer = createServiceTokenSigner({ issuer: 'market', privateKey: market.privateKey });
  const allowed = createMeshClient(AuthService, { baseUrls: service.url, tls, serviceToken: { signer }, retry: false, breaker: false });
  const tokenless = createMeshClient(AuthService, { baseUrls: service.url, tls, retry: false, breaker: false });
  try {
    assert.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const created = await allowed.client.createUser({ email: 'ann@example.com', displayName: 'Ann', roles: [Role.CLIENT] });
    assert.equal((await allowed.client.getUser({ userId: created.user!.userId })).user?.email, 'ann@example.com');
    const error = await tokenless.client.getUser({ userId: created.user!.userId }).catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.Unauthenticated);
  } finally {
    allowed.close();
    tokenless.close();
    await service.close();
  }
  recordReliability({ area: 'security', faultOrInput: 'reference service (startService) behind mutual TLS + service tokens', load: '3 calls', lost: 0, duplicates: 0, command: 'npm test -- test/rpc/security/start-service-tls', notes: 'allowed caller served; a caller with a certificate but no token gets Unauthenticated' });
});
