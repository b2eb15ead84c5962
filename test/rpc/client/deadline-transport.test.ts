import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { createContextValues, type ContextValues, type Transport, type UnaryResponse } from '@connectrpc/connect';
import { AuthService, GetUserResponseSchema } from '../../../gen/auth/v1/auth_service_pb.js';
import { runWithContext } from '../../../src/context/index.js';
import { createDeadlineTransport, MAX_ARMED_TIMEOUT_MS } from '../../../src/rpc/client/index.js';
import { armedDeadlineKey } from '../../../src/rpc/interceptors/index.js';

const NOW = 1_700_000_000_000;
const getUser = AuthService.method.getUser;

interface Seen {
  timeoutMs: number | undefined;
  armed: number | undefined;
  contextValues: ContextValues | undefined;
}

/** recordingTransport answers every unary call at once and keeps what the wrapper handed on. */
function recordingTransport(): { transport: Transport; seen: Seen[] } {
  const seen: Seen[] = [];
  const transport: Transport = {
    async unary(method, _signal, timeoutMs, _header, _input, contextValues) {
      seen.push({ timeoutMs, armed: contextValues?.get(armedDeadlineKey), contextValues });
      return { stream: false, service: method.parent, method, header: new Headers(), trailer: new Headers(), message: create(GetUserResponseSchema) } as UnaryResponse<never, never>;
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return { transport, seen };
}

describe('createDeadlineTransport', () => {
  const call = (transport: Transport, timeoutMs?: number, header?: HeadersInit, contextValues?: ContextValues) =>
    transport.unary(getUser, undefined, timeoutMs, header, { userId: 'u' }, contextValues);

  test('hands connect-es the default, configured or caller timeout and marks the deadline as armed', async () => {
    const { transport, seen } = recordingTransport();
    const wrapped = createDeadlineTransport(transport, { now: () => NOW, defaultTimeoutMs: 2_000, methodTimeoutsMs: { GetUser: 700 } });
    await call(wrapped);
    await call(wrapped, 300);
    await call(createDeadlineTransport(transport, { now: () => NOW, defaultTimeoutMs: 2_000 }));
    assert.deepEqual(
      seen.map(({ timeoutMs, armed }) => ({ timeoutMs, armed })),
      [
        { timeoutMs: 700, armed: NOW + 700 },
        { timeoutMs: 300, armed: NOW + 300 },
        { timeoutMs: 2_000, armed: NOW + 2_000 },
      ],
    );
  });

  test('never hands over more than the request context has left', async () => {
    const { transport, seen } = recordingTransport();
    const wrapped = createDeadlineTransport(transport, { now: () => NOW });
    const values = createContextValues();
    await runWithContext({ deadline: NOW + 120 }, () => call(wrapped, 5_000, undefined, values));
    assert.equal(seen[0]!.timeoutMs, 120);
    assert.equal(seen[0]!.armed, NOW + 120);
    assert.equal(seen[0]!.contextValues, values, 'the caller’s context values are the ones marked');
  });

  test('leaves to the interceptor what connect-es cannot express the same way', async () => {
    const { transport, seen } = recordingTransport();
    const wrapped = createDeadlineTransport(transport, { now: () => NOW });
    // A timeout in the caller's own headers: the interceptor reads and rewrites it.
    await call(wrapped, undefined, { 'Grpc-Timeout': '50m' });
    await call(wrapped, undefined, [['connect-timeout-ms', '50']]);
    await call(wrapped, undefined, new Headers({ 'connect-timeout-ms': '50' }));
    // A spent budget: the interceptor fails it on the call's span.
    await runWithContext({ deadline: NOW + 2 }, () => call(wrapped));
    // Too long for connect-es's `<ms>m` gRPC header, and fractional.
    await call(wrapped, MAX_ARMED_TIMEOUT_MS + 1);
    await call(wrapped, 250.5);
    assert.deepEqual(
      seen.map(({ timeoutMs, armed }) => ({ timeoutMs, armed })),
      [undefined, undefined, undefined, undefined, MAX_ARMED_TIMEOUT_MS + 1, 250.5].map((timeoutMs) => ({ timeoutMs, armed: undefined })),
    );
  });

  test('other headers do not stop the hand-over', async () => {
    const { transport, seen } = recordingTransport();
    await call(createDeadlineTransport(transport, { now: () => NOW }), undefined, { 'idempotency-key': 'k1' });
    assert.equal(seen[0]!.timeoutMs, 10_000);
    assert.equal(seen[0]!.armed, NOW + 10_000);
  });
});
