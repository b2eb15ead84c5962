// The toolkit's client (createMeshClient over the gRPC protocol, full
// interceptor stack) against a stock @grpc/grpc-js server whose AuthService is
// a proto-loader implementation: codes map both ways, the request context and
// the deadline arrive as metadata, and an idempotent call is retried.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../../gen/auth/v1/user_pb.js';
import { parseTraceparent, runWithContext } from '../../../src/context/index.js';
import { createMeshClient, type MeshClient } from '../../../src/rpc/client/index.js';
import { loadGrpcPackage } from '../server/test-services.js';

const pkg = loadGrpcPackage(['auth/v1/auth_service.proto']);

/** SeenCall is what the grpc-js server saw of one incoming call. */
interface SeenCall {
  metadata: Record<string, string>;
  /** budgetMs is the time left until the call's deadline when the handler ran. */
  budgetMs: number;
}

function isCode(code: Code) {
  return (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  };
}

describe('a toolkit client (gRPC protocol) against a @grpc/grpc-js server', () => {
  let server: grpc.Server;
  let mesh: MeshClient<typeof AuthService>;
  const seen = new Map<string, SeenCall[]>();

  before(async () => {
    server = new grpc.Server();
    const users = new Map([['usr-1', { userId: 'usr-1', email: 'ada@example.com', displayName: 'Ada', roles: ['ROLE_CLIENT'], status: 'USER_STATUS_ACTIVE' }]]);
    server.addService(pkg.auth.v1.AuthService.service, {
      GetUser(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
        const id: string = call.request.userId;
        const calls = seen.get(id) ?? [];
        const deadline = call.getDeadline();
        calls.push({
          metadata: Object.fromEntries(Object.entries(call.metadata.getMap()).map(([key, value]) => [key, String(value)])),
          budgetMs: deadline instanceof Date ? deadline.getTime() - Date.now() : Number(deadline) - Date.now(),
        });
        seen.set(id, calls);
        if (id === 'flaky' && calls.length === 1) return callback({ code: grpc.status.UNAVAILABLE, details: 'warming up' });
        if (id === 'flaky') return callback(null, { user: { userId: id } });
        const user = users.get(id);
        if (!user) return callback({ code: grpc.status.NOT_FOUND, details: `no user ${id}` });
        callback(null, { user });
      },
      CreateUser(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
        const calls = seen.get('create') ?? [];
        calls.push({ metadata: {}, budgetMs: 0 });
        seen.set('create', calls);
        callback({ code: grpc.status.UNAVAILABLE, details: 'read-only replica' });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    mesh = createMeshClient(AuthService, { baseUrls: `http://127.0.0.1:${port}`, protocol: 'grpc', retry: { backoff: { initialDelay: 5 } } });
  });
  after(async () => {
    mesh.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  test('a call succeeds and decodes what grpc-js encoded', async () => {
    const { user } = await mesh.client.getUser({ userId: 'usr-1' });
    assert.equal(user?.email, 'ada@example.com');
    assert.deepEqual(user?.roles, [Role.CLIENT]);
  });

  test('NOT_FOUND from grpc-js is Code.NotFound, with its message, and does not count against the breaker', async () => {
    for (let i = 0; i < 6; i += 1) {
      await assert.rejects(mesh.client.getUser({ userId: 'usr-nobody' }), (error: unknown) => {
        isCode(Code.NotFound)(error);
        assert.equal((error as ConnectError).rawMessage, 'no user usr-nobody');
        return true;
      });
    }
    assert.equal(seen.get('usr-nobody')?.length, 6, 'NotFound is never retried');
    assert.equal(mesh.breaker(mesh.endpoints[0]!)?.state.state, 'CLOSED');
  });

  test('the request context arrives as metadata: traceparent, correlation id, user, bearer token; the deadline as grpc-timeout', async () => {
    const traceId = 'a'.repeat(32);
    await runWithContext({ traceId, correlationId: 'corr-42', userId: 'usr-1', tenantId: 't-9', authToken: 'tok' }, () =>
      mesh.client.getUser({ userId: 'usr-1' }, { timeoutMs: 2_000 }),
    );
    const call = seen.get('usr-1')!.at(-1)!;
    const parent = parseTraceparent(call.metadata.traceparent);
    assert.equal(parent?.traceId, traceId, call.metadata.traceparent);
    assert.match(parent!.spanId, /^[0-9a-f]{16}$/);
    assert.equal(call.metadata['x-correlation-id'], 'corr-42');
    assert.equal(call.metadata['x-user-id'], 'usr-1');
    assert.equal(call.metadata['x-tenant-id'], 't-9');
    assert.equal(call.metadata.authorization, 'Bearer tok');
    assert.ok(call.budgetMs > 500 && call.budgetMs <= 2_000, `grpc-js saw ${call.budgetMs} ms left`);
  });

  test('an UNAVAILABLE from grpc-js on an idempotent method is retried; a non-idempotent one is not', async () => {
    const { user } = await mesh.client.getUser({ userId: 'flaky' });
    assert.equal(user?.userId, 'flaky');
    assert.equal(seen.get('flaky')?.length, 2);
    assert.notEqual(seen.get('flaky')![0]!.metadata.traceparent, undefined);

    await assert.rejects(mesh.client.createUser({ email: 'x@example.com', displayName: 'X', roles: [Role.CLIENT] }), isCode(Code.Unavailable));
    assert.equal(seen.get('create')?.length, 1);
  });
});
