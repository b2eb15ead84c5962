import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../../gen/auth/v1/user_pb.js';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CreateUserRequestSchema } from '../../../gen/auth/v1/auth_service_pb.js';
import {
  createServer,
  errorInfoOf,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  type MeshServer,
} from '../../../src/rpc/server/index.js';
import { createTestAuth, grpcTarget, loadGrpcPackage, unaryCall, type TestAuth } from './test-services.js';

const pkg = loadGrpcPackage(['auth/v1/auth_service.proto']);

let keys = 0;
const newKey = () => `key-${process.pid}-${++keys}`;
const user = (email: string, displayName = 'Ada'): MessageInitShape<typeof CreateUserRequestSchema> => ({
  email,
  displayName,
  roles: [Role.CLIENT],
});

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  return promise.then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => ConnectError.from(e),
  );
}

describe('idempotency-key dedupe', () => {
  let server: MeshServer;
  let auth: TestAuth;
  let sessions: Http2SessionManager;
  let client: Client<typeof AuthService>;
  const create = (request: MessageInitShape<typeof CreateUserRequestSchema>, key?: string, headers: Record<string, string> = {}) => {
    let replayed: string | null = null;
    return client
      .createUser(request, {
        headers: key === undefined ? headers : { ...headers, [IDEMPOTENCY_KEY_HEADER]: key },
        onHeader: (header) => (replayed = header.get(IDEMPOTENT_REPLAYED_HEADER)),
      })
      .then((response) => ({ userId: response.user!.userId, replayed }));
  };

  before(async () => {
    auth = createTestAuth();
    // The default lifetime: a short one made the replay tests race the clock on a loaded machine.
    server = await createServer({ services: [auth.registration] });
    sessions = new Http2SessionManager(server.url);
    client = createClient(AuthService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
  });
  after(async () => {
    sessions.abort();
    await server.close();
  });

  test('a repeated key returns the first response without running the handler again', async () => {
    const key = newKey();
    const before = auth.created.count;
    const first = await create(user('a@example.com'), key);
    const second = await create(user('a@example.com'), key);
    assert.equal(second.userId, first.userId);
    assert.equal(first.replayed, null);
    assert.equal(second.replayed, 'true');
    assert.equal(auth.created.count, before + 1);
  });

  test('the replay is the same whichever protocol repeats the call', async () => {
    const key = newKey();
    const first = await create(user('b@example.com'), key);
    const grpcJs = new pkg.auth.v1.AuthService(grpcTarget(server.url), grpc.credentials.createInsecure()) as grpc.Client;
    try {
      const metadata = new grpc.Metadata();
      metadata.set(IDEMPOTENCY_KEY_HEADER, key);
      const again = await unaryCall<any>(grpcJs, 'CreateUser', { email: 'b@example.com', displayName: 'Ada', roles: ['ROLE_CLIENT'] }, metadata);
      assert.equal(again.user.userId, first.userId);
    } finally {
      grpcJs.close();
    }
  });

  test('a duplicate while the first call runs fails with Aborted IDEMPOTENCY_KEY_IN_USE', async () => {
    const key = newKey();
    const first = create(user('c@example.com', 'slow Ada'), key);
    await sleep(50);
    const error = await failure(create(user('c@example.com', 'slow Ada'), key));
    assert.equal(error.code, Code.Aborted);
    assert.equal(errorInfoOf(error)?.reason, 'IDEMPOTENCY_KEY_IN_USE');
    assert.ok((await first).userId);
  });

  test('the same key with a different request fails with FailedPrecondition IDEMPOTENCY_KEY_REUSED', async () => {
    const key = newKey();
    await create(user('d@example.com'), key);
    const error = await failure(create(user('other@example.com'), key));
    assert.equal(error.code, Code.FailedPrecondition);
    assert.equal(errorInfoOf(error)?.reason, 'IDEMPOTENCY_KEY_REUSED');
  });

  test('keys are scoped to the caller', async () => {
    const key = newKey();
    const alice = await create(user('e@example.com'), key, { 'x-user-id': 'alice' });
    const bob = await create(user('e@example.com'), key, { 'x-user-id': 'bob' });
    assert.notEqual(alice.userId, bob.userId);
  });

  test('a final error is replayed; a retryable one is not stored', async () => {
    const key = newKey();
    const before = auth.created.count;
    assert.equal((await failure(create(user('taken@example.com'), key))).code, Code.AlreadyExists);
    assert.equal((await failure(create(user('taken@example.com'), key))).code, Code.AlreadyExists);
    assert.equal(auth.created.count, before + 1, 'AlreadyExists is the stored outcome');

    const flakyKey = newKey();
    assert.equal((await failure(create(user('flaky@example.com'), flakyKey))).code, Code.Unavailable);
    assert.equal((await failure(create(user('flaky@example.com'), flakyKey))).code, Code.Unavailable);
    assert.equal(auth.created.count, before + 3, 'Unavailable ran twice');
  });

  test('outcomes expire after the TTL', async () => {
    const shortLived = await createServer({ services: [auth.registration], idempotency: { ttlMs: 300 } });
    const shortLivedSessions = new Http2SessionManager(shortLived.url);
    const shortLivedClient = createClient(AuthService, createGrpcTransport({ baseUrl: shortLived.url, sessionManager: shortLivedSessions }));
    const createOnce = (key: string) =>
      shortLivedClient.createUser(user('f@example.com'), { headers: { [IDEMPOTENCY_KEY_HEADER]: key } }).then((r) => r.user!.userId);
    try {
      const key = newKey();
      const first = await createOnce(key);
      await sleep(400);
      assert.notEqual(await createOnce(key), first);
    } finally {
      shortLivedSessions.abort();
      await shortLived.close();
    }
  });

  test('calls without a key always run; a malformed key is InvalidArgument', async () => {
    const one = await create(user('g@example.com'));
    const two = await create(user('g@example.com'));
    assert.notEqual(one.userId, two.userId);
    assert.equal((await failure(create(user('g@example.com'), 'x'.repeat(256)))).code, Code.InvalidArgument);
  });
});
