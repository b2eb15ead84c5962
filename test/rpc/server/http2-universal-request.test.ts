import assert from 'node:assert/strict';
import { connect as connectHttp2, constants } from 'node:http2';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AuthService, GetUserRequestSchema } from '../../../gen/auth/v1/auth_service_pb.js';
import { createServer, defineService, type MeshServer } from '../../../src/rpc/server/index.js';
import { resetReason, STREAM_CLOSED_REASON } from '../../../src/rpc/server/http2-universal-request.js';

describe('resetReason', () => {
  test('maps RST_STREAM codes as connect-node does, and a close without one to STREAM_CLOSED_REASON', () => {
    assert.equal(resetReason(undefined), STREAM_CLOSED_REASON);
    assert.equal(resetReason(constants.NGHTTP2_NO_ERROR), STREAM_CLOSED_REASON);
    assert.equal(resetReason(constants.NGHTTP2_STREAM_CLOSED), STREAM_CLOSED_REASON);
    assert.equal(STREAM_CLOSED_REASON.code, Code.Canceled);
    assert.equal(resetReason(constants.NGHTTP2_CANCEL).code, Code.Canceled);
    assert.equal(resetReason(constants.NGHTTP2_REFUSED_STREAM).code, Code.Unavailable);
    assert.equal(resetReason(constants.NGHTTP2_ENHANCE_YOUR_CALM).code, Code.ResourceExhausted);
    assert.equal(resetReason(constants.NGHTTP2_PROTOCOL_ERROR).code, Code.Internal);
    assert.equal(resetReason(constants.NGHTTP2_HTTP_1_1_REQUIRED).code, Code.PermissionDenied);
  });
});

describe('a call on an HTTP/2 stream the client resets', () => {
  let server: MeshServer;
  let started: () => void;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  let sawReason: (reason: unknown) => void;
  const reason = new Promise<unknown>((resolve) => (sawReason = resolve));

  before(async () => {
    server = await createServer({
      services: [
        defineService(AuthService, {
          getUser(_request, context) {
            started();
            return new Promise((_resolve, reject) => {
              context.signal.addEventListener('abort', () => {
                sawReason(context.signal.reason);
                reject(context.signal.reason as Error);
              });
            });
          },
        }),
      ],
      errors: { onUnexpectedError: () => {} },
    });
  });
  after(() => server.close());

  test('aborts the handler signal with Canceled, the RST_STREAM code mapped as connect-node does', async () => {
    const session = connectHttp2(server.url);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/auth.v1.AuthService/GetUser', 'content-type': 'application/proto' });
      stream.on('error', () => {});
      stream.end(Buffer.from(toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId: 'u-1' }))));
      await handlerStarted;
      stream.close(constants.NGHTTP2_CANCEL);
      await once(stream, 'close');
      const seen = await reason;
      assert.ok(seen instanceof ConnectError, `reason is ${String(seen)}`);
      assert.equal(seen.code, Code.Canceled);
      assert.match(seen.rawMessage, /0x8/);
    } finally {
      session.close();
    }
  });
});
