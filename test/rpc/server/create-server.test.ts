import assert from 'node:assert/strict';
import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Code, ConnectError, createClient, type Client, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../../gen/auth/v1/user_pb.js';
import { BadRequestSchema } from '../../../gen/mesh/v1/error_details_pb.js';
import { formatTraceparent, newSpanId, newTraceId } from '../../../src/context/index.js';
import { createServer, INTERNAL_ERROR_MESSAGE, type MeshServer } from '../../../src/rpc/server/index.js';
import { createTestAuth, grpcTarget, loadGrpcPackage, unaryCall } from './test-services.js';

const READ_MAX_BYTES = 1024;
const pkg = loadGrpcPackage(['auth/v1/auth_service.proto']);

interface RawResponse {
  status: number;
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
  body: string;
}

/** post sends one HTTP/2 request by hand, for inputs no generated client would produce. */
function post(url: string, path: string, headers: Record<string, string>, body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(url);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': path, ...headers });
    const response: RawResponse = { status: 0, headers: {}, trailers: {}, body: '' };
    stream.on('response', (h) => ((response.headers = h), (response.status = Number(h[':status']))));
    stream.on('trailers', (t) => (response.trailers = t));
    stream.on('data', (chunk: Buffer) => (response.body += chunk.toString('latin1')));
    stream.on('error', reject);
    stream.on('close', () => {
      session.close();
      resolve(response);
    });
    stream.end(body);
  });
}

function envelope(bytes: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([header, bytes]);
}

/** GARBAGE is not a protobuf message: field number 0x1fffffff with the invalid wire type 7. */
const GARBAGE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
/** OVERSIZED is a GetUserRequest whose user_id alone is 2000 bytes. */
const OVERSIZED = Buffer.concat([Buffer.from([0x0a, 0xd0, 0x0f]), Buffer.alloc(2000, 0x61)]);

describe('createServer', () => {
  let server: MeshServer;
  const unexpected: unknown[] = [];
  const sessions: Http2SessionManager[] = [];

  before(async () => {
    server = await createServer({
      services: [createTestAuth().registration],
      readMaxBytes: READ_MAX_BYTES,
      errors: { onUnexpectedError: (error) => unexpected.push(error) },
    });
  });
  after(async () => {
    for (const manager of sessions) manager.abort();
    await server.close();
  });

  const transports: Record<string, () => Transport> = {
    'Connect over HTTP/2': () => {
      const sessionManager = new Http2SessionManager(server.url);
      sessions.push(sessionManager);
      return createConnectTransport({ baseUrl: server.url, httpVersion: '2', sessionManager });
    },
    'Connect over HTTP/1.1': () => createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
    gRPC: () => {
      const sessionManager = new Http2SessionManager(server.url);
      sessions.push(sessionManager);
      return createGrpcTransport({ baseUrl: server.url, sessionManager });
    },
    'gRPC-Web': () => {
      const sessionManager = new Http2SessionManager(server.url);
      sessions.push(sessionManager);
      return createGrpcWebTransport({ baseUrl: server.url, httpVersion: '2', sessionManager });
    },
  };

  for (const [protocol, transport] of Object.entries(transports)) {
    describe(protocol, () => {
      let client: Client<typeof AuthService>;
      before(() => (client = createClient(AuthService, transport())));

      test('the handler sees the caller context and the deadline of the call', async () => {
        const traceId = newTraceId();
        const started = Date.now();
        const response = await client.getUser(
          { userId: 'u-1' },
          {
            timeoutMs: 4000,
            headers: { traceparent: formatTraceparent(traceId, newSpanId()), 'x-user-id': 'user-7', 'x-correlation-id': 'corr-1' },
          },
        );
        const seen = JSON.parse(response.user!.displayName);
        assert.equal(seen.traceId, traceId);
        assert.equal(seen.userId, 'user-7');
        assert.equal(seen.correlationId, 'corr-1');
        assert.ok(seen.deadline > started && seen.deadline <= Date.now() + 4000, `deadline ${seen.deadline} within the 4 s budget`);
      });

      test('invalid fields fail with InvalidArgument naming each field path', async () => {
        const error = await client.createUser({ email: 'not-an-email', roles: [] }).then(
          () => assert.fail('accepted'),
          (e: unknown) => ConnectError.from(e),
        );
        assert.equal(error.code, Code.InvalidArgument);
        assert.match(error.rawMessage, /email: must be a valid email address/);
        assert.match(error.rawMessage, /display_name: is required/);
        const [badRequest] = error.findDetails(BadRequestSchema);
        assert.deepEqual(
          badRequest?.fieldViolations.map((v) => `${v.field}:${v.rule}`),
          ['email:email', 'display_name:required', 'roles:required'],
        );
        const ok = await client.createUser({ email: 'ada@example.com', displayName: 'Ada', roles: [Role.CLIENT] });
        assert.equal(ok.user?.email, 'ada@example.com');
      });

      test('an unexpected error is Internal with a generic message; the original is logged', async () => {
        const before = unexpected.length;
        const error = await client.getUser({ userId: 'boom' }).then(
          () => assert.fail('succeeded'),
          (e: unknown) => ConnectError.from(e),
        );
        assert.equal(error.code, Code.Internal);
        assert.equal(error.rawMessage, INTERNAL_ERROR_MESSAGE);
        assert.doesNotMatch(JSON.stringify([...error.metadata]), /hunter2/);
        assert.equal(unexpected.length, before + 1);
        assert.match(String(unexpected.at(-1)), /hunter2/);
      });

      test('an oversized request fails with ResourceExhausted', async () => {
        await assert.rejects(client.getUser({ userId: 'x'.repeat(READ_MAX_BYTES + 1) }), (e: unknown) => {
          assert.equal(ConnectError.from(e).code, Code.ResourceExhausted);
          return true;
        });
      });
    });
  }

  describe('bad input on the wire, and the server stays up', () => {
    const stillServing = async () => {
      const client = createClient(AuthService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
      assert.equal((await client.getUser({ userId: 'still-here' })).user?.userId, 'still-here');
    };

    test('a malformed or truncated protobuf message is InvalidArgument in every protocol, not Internal', async () => {
      const path = '/auth.v1.AuthService/GetUser';
      const connect = await post(server.url, path, { 'content-type': 'application/proto' }, GARBAGE);
      assert.equal(connect.status, 400);
      assert.equal(JSON.parse(connect.body).code, 'invalid_argument');
      assert.match(JSON.parse(connect.body).message, /^parse binary: /);
      const grpcResponse = await post(server.url, path, { 'content-type': 'application/grpc' }, envelope(GARBAGE));
      assert.equal(grpcResponse.headers['grpc-status'], String(Code.InvalidArgument));
      assert.match(decodeURIComponent(String(grpcResponse.headers['grpc-message'])), /parse binary/);
      // gRPC-Web carries its status in a trailer envelope at the end of the body.
      const web = await post(server.url, path, { 'content-type': 'application/grpc-web+proto' }, envelope(GARBAGE));
      assert.equal(web.body.charCodeAt(0), 0x80);
      assert.match(web.body, /grpc-status: 3\r\n/);
      // A message cut short: a length-delimited field that claims more bytes than follow.
      const cut = Buffer.from([0x0a, 0x20, 0x61, 0x62]);
      const truncated = await post(server.url, path, { 'content-type': 'application/grpc' }, envelope(cut));
      assert.equal(truncated.headers['grpc-status'], String(Code.InvalidArgument));
      // A frame cut short: the length prefix promises more bytes than the stream carries.
      const frame = envelope(Buffer.from('0a0375736572', 'hex')).subarray(0, 7);
      const shortFrame = await post(server.url, path, { 'content-type': 'application/grpc' }, frame);
      assert.equal(shortFrame.headers['grpc-status'] ?? shortFrame.trailers['grpc-status'], String(Code.InvalidArgument));
      // A streaming method parses inside the interceptors: Health/Watch is server-streaming.
      const watch = await post(server.url, '/grpc.health.v1.Health/Watch', { 'content-type': 'application/grpc' }, envelope(GARBAGE));
      assert.equal(watch.headers['grpc-status'] ?? watch.trailers['grpc-status'], String(Code.InvalidArgument));
      await stillServing();
    });

    test("a handler's own parse failure (a downstream answer it could not read) stays Internal", async () => {
      const client = createClient(AuthService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
      await assert.rejects(client.getUser({ userId: 'downstream-garbage' }), (e: unknown) => {
        assert.equal(ConnectError.from(e).code, Code.Internal);
        return true;
      });
      const grpcClient = createClient(AuthService, createGrpcTransport({ baseUrl: server.url }));
      await assert.rejects(grpcClient.getUser({ userId: 'downstream-garbage' }), (e: unknown) => {
        assert.equal(ConnectError.from(e).code, Code.Internal);
        return true;
      });
    });

    test('an oversized body is ResourceExhausted (HTTP 429 for Connect)', async () => {
      const connect = await post(server.url, '/auth.v1.AuthService/GetUser', { 'content-type': 'application/proto' }, OVERSIZED);
      assert.equal(connect.status, 429);
      assert.equal(JSON.parse(connect.body).code, 'resource_exhausted');
      const grpcResponse = await post(server.url, '/auth.v1.AuthService/GetUser', { 'content-type': 'application/grpc' }, envelope(OVERSIZED));
      assert.equal(grpcResponse.headers['grpc-status'], String(Code.ResourceExhausted));
      await stillServing();
    });

    test('an upload far past the limit and the HTTP/2 flow-control window fails at once, not at the deadline (grpc-js client)', async () => {
      const grpcJs = new pkg.auth.v1.AuthService(grpcTarget(server.url), grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
      try {
        const started = performance.now();
        await assert.rejects(
          unaryCall(grpcJs, 'getUser', { userId: 'x'.repeat(8_000_000) }, new grpc.Metadata(), { deadline: Date.now() + 30_000 }),
          (error: grpc.ServiceError) => {
            // A server that answered without draining or resetting the upload would leave the client blocked on flow control until DeadlineExceeded.
            assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED, `${error.code} after ${Math.round(performance.now() - started)} ms`);
            return true;
          },
        );
      } finally {
        grpcJs.close();
      }
      await stillServing();
    });

    test('a wrong content type is 415 Unsupported Media Type', async () => {
      const response = await post(server.url, '/auth.v1.AuthService/GetUser', { 'content-type': 'text/plain' }, Buffer.from('hi'));
      assert.equal(response.status, 415);
      await stillServing();
    });

    test('an unknown method is 404, which gRPC clients read as Unimplemented', async () => {
      const response = await post(server.url, '/auth.v1.AuthService/Nope', { 'content-type': 'application/grpc' }, envelope(Buffer.alloc(0)));
      assert.equal(response.status, 404);
      const client = new grpc.Client(grpcTarget(server.url), grpc.credentials.createInsecure());
      try {
        const code = await new Promise<number | undefined>((resolve) =>
          client.makeUnaryRequest(
            '/auth.v1.AuthService/Nope',
            (value: Buffer) => value,
            (value: Buffer) => value,
            Buffer.alloc(0),
            (error) => resolve(error?.code),
          ),
        );
        assert.equal(code, grpc.status.UNIMPLEMENTED);
      } finally {
        client.close();
      }
      await stillServing();
    });

    test('an HTTP/1.0 request without Host, which connect-node cannot map, is 400', async () => {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connectTcp(server.port, '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        socket.write('POST /auth.v1.AuthService/GetUser HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      });
      assert.match(reply, /^HTTP\/1\.1 400 /);
      await stillServing();
    });

    test('metadata over the header limit is refused (RESOURCE_EXHAUSTED for gRPC, 431 for HTTP/1.1)', async () => {
      const client = new pkg.auth.v1.AuthService(grpcTarget(server.url), grpc.credentials.createInsecure()) as grpc.Client;
      try {
        const huge = new grpc.Metadata();
        huge.set('x-huge', 'a'.repeat(20_000));
        await assert.rejects(unaryCall(client, 'GetUser', { userId: 'u' }, huge), { code: grpc.status.RESOURCE_EXHAUSTED });
        const fine = new grpc.Metadata();
        fine.set('x-fine', 'a'.repeat(4_000));
        assert.equal((await unaryCall<any>(client, 'GetUser', { userId: 'u' }, fine)).user.userId, 'u');
      } finally {
        client.close();
      }
      const http1 = await fetch(`${server.url}/auth.v1.AuthService/GetUser`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-huge': 'a'.repeat(20_000) },
        body: '{"userId":"u"}',
      });
      assert.equal(http1.status, 431);
      await stillServing();
    });
  });
});
