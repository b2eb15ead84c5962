// Deadline propagation through three server-kit hops: a handler's outgoing
// calls inherit what is left of its incoming deadline (the kit's context
// interceptor records it, the client's deadline interceptor applies it), so
// the budget only shrinks; a spent budget fails before anything is sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { getContext } from '../../../src/context/index.js';
import { createMeshClient, type MeshClient, type RpcProtocol } from '../../../src/rpc/client/index.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../../../src/rpc/interceptors/index.js';
import { createServer, defineService, type MeshServer } from '../../../src/rpc/server/index.js';

/** HOP_WORK_MS is how long each of the first two hops works before calling the next. */
const HOP_WORK_MS = 50;
/** GIVEN_TIMEOUT_MS is the budget the outside caller gives the first hop. */
const GIVEN_TIMEOUT_MS = 3_000;

/** HopRecord is what one hop saw of its incoming call. */
interface HopRecord {
  /** timeoutMs is connect's view: the incoming timeout header, at handler start. */
  timeoutMs: number | undefined;
  /** contextLeftMs is the RequestContext's deadline minus now, at handler start. */
  contextLeftMs: number | undefined;
  traceId: string | undefined;
  /** downstreamError is what the call to the next hop failed with, if it did. */
  downstreamError?: ConnectError;
}

interface Hop {
  server: MeshServer;
  records: HopRecord[];
  /** arrivals counts requests that reached this server at all (any method). */
  arrivals: { count: number };
}

describe('deadline propagation through a three-hop chain of server-kit servers', () => {
  const clients: MeshClient<typeof AuthService>[] = [];
  const hops: Hop[] = [];
  const connect = (hop: Hop, protocol: RpcProtocol) => {
    const mesh = createMeshClient(AuthService, { baseUrls: hop.server.url, protocol, retry: false });
    clients.push(mesh);
    return mesh.client;
  };

  /**
   * startHop serves AuthService.GetUser: record the budget, work HOP_WORK_MS
   * (a user id "slow@<name>:<ms>" adds ms at the hop of that name), then call `next`.
   */
  async function startHop(name: string, next?: () => ReturnType<typeof connect>): Promise<Hop> {
    const records: HopRecord[] = [];
    const arrivals = { count: 0 };
    const counter: Interceptor = (call) => (request) => {
      arrivals.count += 1;
      return call(request);
    };
    const server = await createServer({
      host: '127.0.0.1',
      interceptors: [counter],
      services: [
        defineService(AuthService, {
          async getUser(request, ctx) {
            const context = getContext();
            const record: HopRecord = {
              timeoutMs: ctx.timeoutMs(),
              contextLeftMs: context?.deadline === undefined ? undefined : context.deadline - Date.now(),
              traceId: context?.traceId,
            };
            records.push(record);
            if (!next) return { user: { userId: request.userId } };
            // Not abortable on purpose: the work outlives the budget in the exhausted case.
            const [target, extra] = request.userId.split(':');
            await sleep(HOP_WORK_MS + (target === `slow@${name}` ? Number(extra) : 0));
            try {
              return await next().getUser(request);
            } catch (error) {
              record.downstreamError = ConnectError.from(error);
              throw error;
            }
          },
        }),
      ],
    });
    const hop = { server, records, arrivals };
    hops.push(hop);
    return hop;
  }

  let first: Hop;
  let second: Hop;
  let third: Hop;

  before(async () => {
    third = await startHop('third');
    // Each hop speaks another protocol, so each timeout header format is exercised.
    second = await startHop('second', () => connect(third, 'grpc-web'));
    first = await startHop('first', () => connect(second, 'grpc'));
  });
  after(async () => {
    for (const mesh of clients) mesh.close();
    await Promise.all(hops.map((hop) => hop.server.close()));
  });

  test('the third hop sees a smaller budget than the first was given, shrunk by the work on the way', async () => {
    const caller = connect(first, 'connect');
    const { user } = await caller.getUser({ userId: 'chain' }, { timeoutMs: GIVEN_TIMEOUT_MS });
    assert.equal(user?.userId, 'chain');

    const [a, b, c] = [first.records.at(-1)!, second.records.at(-1)!, third.records.at(-1)!];
    for (const [name, record] of [['first', a], ['second', b], ['third', c]] as const) {
      assert.ok(record.timeoutMs !== undefined && record.contextLeftMs !== undefined, `${name} hop got a deadline`);
    }
    assert.ok(a.timeoutMs! <= GIVEN_TIMEOUT_MS, `first: ${a.timeoutMs} ms`);
    assert.ok(b.timeoutMs! < a.timeoutMs! - HOP_WORK_MS + 5, `second: ${b.timeoutMs} ms after first's ${a.timeoutMs} ms`);
    assert.ok(c.timeoutMs! < b.timeoutMs! - HOP_WORK_MS + 5, `third: ${c.timeoutMs} ms after second's ${b.timeoutMs} ms`);
    assert.ok(c.timeoutMs! < GIVEN_TIMEOUT_MS - 2 * HOP_WORK_MS + 5, `third: ${c.timeoutMs} ms`);
    // The handler's RequestContext carries the deadline connect parsed: never later, and
    // earlier only by the time the request took from the header to the handler.
    assert.ok(c.contextLeftMs! <= c.timeoutMs! + 1, `context ${c.contextLeftMs} ms vs header ${c.timeoutMs} ms: extended`);
    assert.ok(c.contextLeftMs! > c.timeoutMs! - 250, `context ${c.contextLeftMs} ms vs header ${c.timeoutMs} ms: another deadline`);
    // One trace across the three hops.
    assert.equal(new Set([a.traceId, b.traceId, c.traceId]).size, 1);
  });

  test('without a caller timeout the client default (10 s) starts the budget, and it shrinks along the chain', async () => {
    const caller = connect(first, 'connect');
    await caller.getUser({ userId: 'default' });
    const c = third.records.at(-1)!;
    assert.ok(c.timeoutMs !== undefined && c.timeoutMs <= DEFAULT_CALL_TIMEOUT_MS - 2 * HOP_WORK_MS + 5, `third: ${c.timeoutMs} ms`);
  });

  test('an exhausted budget fails with DeadlineExceeded at the hop that holds it, without a network call to the next', async () => {
    const reachedThird = third.arrivals.count;
    const caller = connect(first, 'connect');
    // first works 50 ms of 1 s; second has ~950 ms left and works 50 + 1000 ms: nothing is left for third.
    // (A generous budget, so a busy machine cannot spend it before second is reached.)
    const started = Date.now();
    await assert.rejects(caller.getUser({ userId: 'slow@second:1000' }, { timeoutMs: 1_000 }), (error: unknown) => {
      assert.ok(error instanceof ConnectError, String(error));
      assert.equal(error.code, Code.DeadlineExceeded, error.message);
      return true;
    });
    assert.ok(Date.now() - started < 3_000, 'the caller is answered at its deadline');
    // second's handler keeps running past its deadline (its sleep is not abortable); wait for it.
    for (let i = 0; i < 150 && second.records.at(-1)?.downstreamError === undefined; i += 1) await sleep(20);
    const failed = second.records.at(-1)!.downstreamError;
    assert.equal(failed?.code, Code.DeadlineExceeded);
    assert.match(failed!.rawMessage, /before sending/);
    assert.equal(third.arrivals.count, reachedThird, 'nothing reached the third hop');
  });
});
