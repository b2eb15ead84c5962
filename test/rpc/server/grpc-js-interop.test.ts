import assert from 'node:assert/strict';
import { connect as connectHttp2, constants as http2Constants, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { create, createFileRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { GetUserRequestSchema } from '../../../gen/auth/v1/auth_service_pb.js';
import { createServer, reflectionV1AlphaService, withTrailersOnly, type MeshServer, type RequestListener } from '../../../src/rpc/server/index.js';
import { createTestAuth, grpcTarget, loadGrpcPackage, unaryCall, type TestAuth } from './test-services.js';

const pkg = loadGrpcPackage(['auth/v1/auth_service.proto', 'grpc/health/v1/health.proto', 'grpc/reflection/v1/reflection.proto']);

/** RETRY_SERVICE_CONFIG is a grpc-js retryPolicy that retries UNAVAILABLE up to 3 attempts. */
const RETRY_SERVICE_CONFIG = JSON.stringify({
  methodConfig: [
    {
      name: [{ service: 'auth.v1.AuthService' }],
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '0.01s',
        maxBackoff: '0.05s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
});

function authClient(url: string, options: grpc.ChannelOptions = {}): grpc.Client {
  return new pkg.auth.v1.AuthService(grpcTarget(url), grpc.credentials.createInsecure(), options);
}

function reflect(client: grpc.Client, requests: object[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const call = (client as any).ServerReflectionInfo();
    const responses: any[] = [];
    call.on('data', (response: any) => responses.push(response));
    call.on('error', reject);
    call.on('end', () => resolve(responses));
    for (const request of requests) call.write(request);
    call.end();
  });
}

/** grpcFrame wraps a protobuf message in the gRPC length-prefixed envelope. */
function grpcFrame(bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([header, bytes]);
}

describe('grpc-js peers against a toolkit server', () => {
  let server: MeshServer;
  let auth: TestAuth;
  const clients: grpc.Client[] = [];
  const track = <T extends grpc.Client>(client: T) => (clients.push(client), client);

  before(async () => {
    auth = createTestAuth();
    server = await createServer({ services: [auth.registration], errors: { onUnexpectedError: () => {} } });
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  test('health Check reports SERVING for the server and each service, NOT_FOUND for others', async () => {
    const health = track(new pkg.grpc.health.v1.Health(grpcTarget(server.url), grpc.credentials.createInsecure()));
    assert.equal((await unaryCall<any>(health, 'Check', { service: '' })).status, 'SERVING');
    assert.equal((await unaryCall<any>(health, 'Check', { service: 'auth.v1.AuthService' })).status, 'SERVING');
    await assert.rejects(unaryCall(health, 'Check', { service: 'nope.v1.Nope' }), { code: grpc.status.NOT_FOUND });
    const list = await unaryCall<any>(health, 'List', {});
    assert.equal(list.statuses['auth.v1.AuthService'].status, 'SERVING');
  });

  test('reflection lists the services and serves complete descriptors', async () => {
    const client = track(new pkg.grpc.reflection.v1.ServerReflection(grpcTarget(server.url), grpc.credentials.createInsecure()));
    const [list, bySymbol, byMethod, missing] = await reflect(client, [
      { listServices: '' },
      { fileContainingSymbol: 'auth.v1.AuthService' },
      { fileContainingSymbol: 'auth.v1.AuthService.GetUser' },
      { fileByFilename: 'nope/v1/nope.proto' },
    ]);
    assert.deepEqual(list.listServicesResponse.service.map((s: { name: string }) => s.name).sort(), [
      'auth.v1.AuthService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'mesh.v1.ServerStatusService',
    ]);
    const files = bySymbol.fileDescriptorResponse.fileDescriptorProto.map((bytes: Buffer) => fromBinary(FileDescriptorProtoSchema, bytes));
    assert.equal(files[0].name, 'auth/v1/auth_service.proto');
    for (const dep of ['auth/v1/user.proto', 'mesh/v1/options.proto', 'google/protobuf/descriptor.proto']) {
      assert.ok(files.some((file: { name: string }) => file.name === dep), `${dep} is sent along`);
    }
    // The files are enough to rebuild the service, which is what grpcurl does.
    const registry = createFileRegistry(files[0], (name) => files.find((file: { name: string }) => file.name === name));
    assert.ok(registry.getService('auth.v1.AuthService')?.methods.some((m) => m.name === 'CreateUser'));
    assert.equal(byMethod.fileDescriptorResponse.fileDescriptorProto.length, files.length);
    assert.equal(missing.errorResponse.errorCode, grpc.status.NOT_FOUND);
  });

  test('reflection v1alpha, which older grpcurl versions ask for, answers too', async () => {
    const sessions = new Http2SessionManager(server.url);
    try {
      const client = createClient(reflectionV1AlphaService(), createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
      async function* requests() {
        yield { messageRequest: { case: 'fileContainingSymbol', value: 'auth.v1.AuthService' } };
      }
      const responses: any[] = [];
      for await (const response of (client as any).serverReflectionInfo(requests())) responses.push(response);
      assert.equal(responses.length, 1);
      assert.equal(responses[0].$typeName, 'grpc.reflection.v1alpha.ServerReflectionResponse');
      assert.equal(responses[0].messageResponse.case, 'fileDescriptorResponse');
      const first = fromBinary(FileDescriptorProtoSchema, responses[0].messageResponse.value.fileDescriptorProto[0]);
      assert.equal(first.name, 'auth/v1/auth_service.proto');
    } finally {
      sessions.abort();
    }
  });

  test('a grpc-js client calls a service; unexpected errors arrive as INTERNAL without internals', async () => {
    const client = track(authClient(server.url));
    const response = await unaryCall<any>(client, 'GetUser', { userId: 'u-1' });
    assert.equal(response.user.userId, 'u-1');
    await assert.rejects(unaryCall(client, 'GetUser', { userId: 'boom' }), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.INTERNAL);
      assert.equal(error.details, 'internal error');
      assert.doesNotMatch(JSON.stringify(error.metadata.getMap()), /hunter2/);
      return true;
    });
    await assert.rejects(unaryCall(client, 'GetUser', { userId: 'missing' }), { code: grpc.status.NOT_FOUND, details: 'no such user' });
  });

  test('grpc-js retryPolicy retries an UNAVAILABLE answered Trailers-Only', async () => {
    const client = track(authClient(server.url, { 'grpc.service_config': RETRY_SERVICE_CONFIG }));
    const response = await unaryCall<any>(client, 'GetUser', { userId: 'unavailable-once:a' });
    assert.equal(response.user.userId, 'unavailable-once:a');
    assert.equal(auth.attempts.get('unavailable-once:a'), 2);
  });

  test('without the Trailers-Only wrapper (bare connect-node) grpc-js does not retry', async () => {
    // The control: connect-node's own headers-then-trailers commits the call.
    const bare = createHttp2Server(connectNodeAdapter({ routes: (router) => router.service(auth.registration.service, auth.registration.implementation) }));
    const sessions = new Set<import('node:http2').ServerHttp2Session>();
    bare.on('session', (session) => sessions.add(session));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const client = authClient(`http://127.0.0.1:${(bare.address() as AddressInfo).port}`, { 'grpc.service_config': RETRY_SERVICE_CONFIG });
    try {
      await assert.rejects(unaryCall(client, 'GetUser', { userId: 'unavailable-once:b' }), { code: grpc.status.UNAVAILABLE });
      assert.equal(auth.attempts.get('unavailable-once:b'), 1);
    } finally {
      client.close();
      const closed = new Promise((resolve) => bare.close(resolve));
      for (const session of sessions) session.destroy();
      await closed;
    }
  });

  test('withTrailersOnly on a server of plain Http2ServerResponses (not TrailersOnlyResponse) still lets grpc-js retry', async () => {
    const listener = withTrailersOnly(
      connectNodeAdapter({ routes: (router) => router.service(auth.registration.service, auth.registration.implementation) }) as RequestListener,
    );
    const plain = createHttp2Server(listener as Parameters<typeof createHttp2Server>[0] & object);
    const sessions = new Set<import('node:http2').ServerHttp2Session>();
    plain.on('session', (session) => sessions.add(session));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const client = authClient(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`, { 'grpc.service_config': RETRY_SERVICE_CONFIG });
    try {
      const response = await unaryCall<any>(client, 'GetUser', { userId: 'unavailable-once:c' });
      assert.equal(response.user.userId, 'unavailable-once:c');
      assert.equal(auth.attempts.get('unavailable-once:c'), 2);
      // A success on the same server is written as usual.
      assert.equal((await unaryCall<any>(client, 'GetUser', { userId: 'u-2' })).user.userId, 'u-2');
    } finally {
      client.close();
      const closed = new Promise((resolve) => plain.close(resolve));
      for (const session of sessions) session.destroy();
      await closed;
    }
  });

  test('on the wire: an early error is one HEADERS frame with END_STREAM; a success is unchanged', async () => {
    const session = connectHttp2(server.url);
    try {
      const call = (userId: string) =>
        new Promise<{ headers: Record<string, unknown>; endStream: boolean; trailers?: Record<string, unknown>; bytes: number }>(
          (resolve, reject) => {
            const stream = session.request({
              ':method': 'POST',
              ':path': '/auth.v1.AuthService/GetUser',
              'content-type': 'application/grpc',
              te: 'trailers',
            });
            const result: { headers: Record<string, unknown>; endStream: boolean; trailers?: Record<string, unknown>; bytes: number } = {
              headers: {},
              endStream: false,
              bytes: 0,
            };
            stream.on('response', (headers, flags) => {
              result.headers = headers;
              result.endStream = (flags & http2Constants.NGHTTP2_FLAG_END_STREAM) !== 0;
            });
            stream.on('trailers', (trailers) => (result.trailers = trailers));
            stream.on('data', (chunk: Buffer) => (result.bytes += chunk.length));
            stream.on('error', reject);
            stream.on('close', () => resolve(result));
            stream.end(grpcFrame(toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId }))));
          },
        );
      const failed = await call('missing');
      assert.equal(failed.endStream, true);
      assert.equal(failed.headers[':status'], 200);
      assert.equal(failed.headers['content-type'], 'application/grpc+proto');
      assert.equal(failed.headers['grpc-status'], String(grpc.status.NOT_FOUND));
      assert.equal(decodeURIComponent(String(failed.headers['grpc-message'])), 'no such user');
      assert.equal(failed.trailers, undefined);
      assert.equal(failed.bytes, 0);

      const ok = await call('u-2');
      assert.equal(ok.endStream, false);
      assert.equal(ok.headers['grpc-status'], undefined);
      assert.ok(ok.bytes > 5);
      assert.equal(ok.trailers?.['grpc-status'], '0');
    } finally {
      session.close();
    }
  });
});
