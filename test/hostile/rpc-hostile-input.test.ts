// Hostile input on the RPC wire, sent by hand over node:http2 to the auth
// reference service running in its own process (src/services/main.ts): each
// input gets its code, valid calls made at the same time all succeed, and the
// process stays up without logging a crash.
import assert from 'node:assert/strict';
import type { OutgoingHttpHeaders } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { AuthService, CreateUserRequestSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { recordReliability } from '../support/reliability-report.js';
import { connectCode, grpcFrame, grpcStatus, openSession, rawRequest, type RawResponse } from './raw-http2.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

const COMMAND = 'npm test -- test/hostile/rpc-hostile-input';
const CREATE_USER = '/auth.v1.AuthService/CreateUser';
/** NGHTTP2_ENHANCE_YOUR_CALM is the reset Node's HTTP/2 server sends for a header list over its limits (gRPC clients read RESOURCE_EXHAUSTED). */
const ENHANCE_YOUR_CALM = 11;
/** READ_MAX_BYTES is the server kit's default cap of one request message (DEFAULT_READ_MAX_BYTES). */
const READ_MAX_BYTES = 4 * 1024 * 1024;

const CONNECT_PROTO = { 'content-type': 'application/proto', 'connect-protocol-version': '1' };
const CONNECT_JSON = { 'content-type': 'application/json', 'connect-protocol-version': '1' };
const GRPC = { 'content-type': 'application/grpc', te: 'trailers' };

const message = (init: MessageInitShape<typeof CreateUserRequestSchema>): Buffer => Buffer.from(toBinary(CreateUserRequestSchema, create(CreateUserRequestSchema, init)));
const VALID = message({ email: 'hostile@example.com', displayName: 'H', roles: [Role.CLIENT] });
/** GARBAGE is not a protobuf message: field number 0x1fffffff with the invalid wire type 7. */
const GARBAGE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
/** CUT is a message cut short: field 1 claims 32 bytes and 2 follow. */
const CUT = Buffer.from([0x0a, 0x20, 0x61, 0x62]);
/** BAD_UTF8 is field 1 (a string) holding bytes that are not UTF-8. */
const BAD_UTF8 = Buffer.from([0x0a, 0x02, 0xff, 0xfe]);
const INVALID_FIELDS = message({ email: 'not-an-email', displayName: 'x'.repeat(101), roles: [] });
const UNDEFINED_ENUM = message({ email: 'enum@example.com', displayName: 'E', roles: [99 as Role] });
/** OVERSIZED is a message one byte over the cap: field 1 with a 4 MiB - 4 string (5 bytes of tag and length). */
const OVERSIZED = Buffer.concat([Buffer.from([0x0a, 0xfc, 0xff, 0xff, 0x01]), Buffer.alloc(READ_MAX_BYTES - 4, 0x61)]);
const HUGE_METADATA = { 'x-huge': 'a'.repeat(20_000) };
const MANY_HEADERS = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v']));

/** Expected is the answer a hostile input must get. */
type Expected = { http: number; connect?: string } | { grpc: Code } | { reset: number };

/** HostileInput is one request no well-behaved client would send. */
interface HostileInput {
  name: string;
  protocol: 'connect' | 'grpc';
  path?: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  expected: Expected;
  /** large inputs stay out of the flood, to keep it fast. */
  large?: boolean;
}

const HOSTILE: HostileInput[] = [
  { name: 'malformed protobuf', protocol: 'connect', headers: CONNECT_PROTO, body: GARBAGE, expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'malformed protobuf', protocol: 'grpc', headers: GRPC, body: grpcFrame(GARBAGE), expected: { grpc: Code.InvalidArgument } },
  { name: 'truncated message', protocol: 'connect', headers: CONNECT_PROTO, body: CUT, expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'truncated message', protocol: 'grpc', headers: GRPC, body: grpcFrame(CUT), expected: { grpc: Code.InvalidArgument } },
  { name: 'truncated frame (length prefix promises 100 more bytes)', protocol: 'grpc', headers: GRPC, body: grpcFrame(VALID, VALID.length + 100), expected: { grpc: Code.InvalidArgument } },
  { name: 'truncated body (content-length promises more)', protocol: 'connect', headers: { ...CONNECT_PROTO, 'content-length': String(VALID.length + 100) }, body: VALID, expected: { reset: 1 } },
  { name: 'no message on a unary method', protocol: 'grpc', headers: GRPC, body: Buffer.alloc(0), expected: { grpc: Code.Unimplemented } },
  { name: 'two messages on a unary method', protocol: 'grpc', headers: GRPC, body: Buffer.concat([grpcFrame(VALID), grpcFrame(VALID)]), expected: { grpc: Code.Unimplemented } },
  { name: 'invalid UTF-8 in a string field', protocol: 'connect', headers: CONNECT_PROTO, body: BAD_UTF8, expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'invalid UTF-8 in a string field', protocol: 'grpc', headers: GRPC, body: grpcFrame(BAD_UTF8), expected: { grpc: Code.InvalidArgument } },
  { name: 'invalid field values (email, length, required)', protocol: 'connect', headers: CONNECT_PROTO, body: INVALID_FIELDS, expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'invalid field values (email, length, required)', protocol: 'grpc', headers: GRPC, body: grpcFrame(INVALID_FIELDS), expected: { grpc: Code.InvalidArgument } },
  { name: 'undefined enum value', protocol: 'connect', headers: CONNECT_PROTO, body: UNDEFINED_ENUM, expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'undefined enum value', protocol: 'grpc', headers: GRPC, body: grpcFrame(UNDEFINED_ENUM), expected: { grpc: Code.InvalidArgument } },
  { name: 'JSON of the wrong field types', protocol: 'connect', headers: CONNECT_JSON, body: Buffer.from('{"email":5,"roles":"x"}'), expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'JSON of the wrong field types', protocol: 'grpc', headers: { ...GRPC, 'content-type': 'application/grpc+json' }, body: grpcFrame(Buffer.from('{"email":5}')), expected: { grpc: Code.InvalidArgument } },
  { name: 'malformed timeout header', protocol: 'connect', headers: { ...CONNECT_PROTO, 'connect-timeout-ms': 'forever' }, body: VALID, expected: { http: 400, connect: 'invalid_argument' } },
  { name: 'malformed timeout header', protocol: 'grpc', headers: { ...GRPC, 'grpc-timeout': 'forever' }, body: grpcFrame(VALID), expected: { grpc: Code.InvalidArgument } },
  { name: 'gzip flag on bytes that are not gzip', protocol: 'grpc', headers: { ...GRPC, 'grpc-encoding': 'gzip' }, body: Buffer.concat([Buffer.from([1, 0, 0, 0, GARBAGE.length]), GARBAGE]), expected: { grpc: Code.InvalidArgument } },
  { name: 'oversized message', protocol: 'connect', headers: CONNECT_PROTO, body: OVERSIZED, expected: { http: 429, connect: 'resource_exhausted' }, large: true },
  { name: 'oversized message', protocol: 'grpc', headers: GRPC, body: grpcFrame(OVERSIZED), expected: { grpc: Code.ResourceExhausted }, large: true },
  { name: 'length prefix claiming 4 GiB', protocol: 'grpc', headers: GRPC, body: grpcFrame(VALID, 0xffff_ffff), expected: { grpc: Code.ResourceExhausted } },
  { name: 'wrong content type', protocol: 'connect', headers: { 'content-type': 'text/plain' }, body: VALID, expected: { http: 415 } },
  { name: 'wrong content type', protocol: 'grpc', headers: { ...GRPC, 'content-type': 'application/grpc+xml' }, body: grpcFrame(VALID), expected: { http: 415 } },
  { name: 'unknown method', protocol: 'connect', path: '/auth.v1.AuthService/DropAllTables', headers: CONNECT_PROTO, body: VALID, expected: { http: 404 } },
  { name: 'unknown method', protocol: 'grpc', path: '/auth.v1.AuthService/DropAllTables', headers: GRPC, body: grpcFrame(VALID), expected: { http: 404 } },
  { name: 'unknown service', protocol: 'grpc', path: '/nope.v1.Nope/Do', headers: GRPC, body: grpcFrame(VALID), expected: { http: 404 } },
  { name: 'huge metadata (20 KB header)', protocol: 'connect', headers: { ...CONNECT_PROTO, ...HUGE_METADATA }, body: VALID, expected: { reset: ENHANCE_YOUR_CALM } },
  { name: 'huge metadata (20 KB header)', protocol: 'grpc', headers: { ...GRPC, ...HUGE_METADATA }, body: grpcFrame(VALID), expected: { reset: ENHANCE_YOUR_CALM } },
  { name: 'too many headers (300)', protocol: 'grpc', headers: { ...GRPC, ...MANY_HEADERS }, body: grpcFrame(VALID), expected: { reset: ENHANCE_YOUR_CALM } },
];

function describeAnswer(response: RawResponse): string {
  return JSON.stringify({ status: response.status, grpc: grpcStatus(response), connect: connectCode(response), reset: response.rstCode, error: response.error });
}

/** answerMatches tells whether a hostile input got its expected answer. */
function answerMatches(input: HostileInput, response: RawResponse): boolean {
  const expected = input.expected;
  if ('reset' in expected) return response.rstCode === expected.reset;
  if ('grpc' in expected) return response.status === 200 && grpcStatus(response) === expected.grpc;
  return response.status === expected.http && (expected.connect === undefined || connectCode(response) === expected.connect);
}

async function send(url: string, input: HostileInput): Promise<RawResponse> {
  const session = await openSession(url);
  try {
    return await rawRequest(session, input.path ?? CREATE_USER, input.headers, input.body);
  } finally {
    session.close();
  }
}

/** crashLines are the lines of a server's stderr that say something went wrong inside it. */
function crashLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /error|uncaught|unhandled|fatal|failed|warning/i.test(line));
}

describe('hostile input on the RPC wire, against the auth service in its own process', () => {
  let service: ServiceProcess;
  const sessions: Http2SessionManager[] = [];
  const clients = (): Record<'connect' | 'grpc', Client<typeof AuthService>> => {
    const connectSession = new Http2SessionManager(service.url);
    const grpcSession = new Http2SessionManager(service.url);
    sessions.push(connectSession, grpcSession);
    return {
      connect: createClient(AuthService, createConnectTransport({ baseUrl: service.url, httpVersion: '2', sessionManager: connectSession })),
      grpc: createClient(AuthService, createGrpcTransport({ baseUrl: service.url, sessionManager: grpcSession })),
    };
  };

  before(async () => {
    service = await startServiceProcess('auth');
  });
  after(async () => {
    for (const session of sessions) session.abort();
    const exit = await service.stop();
    assert.equal(exit, 0, 'the service exits cleanly on SIGTERM after all of it');
  });

  test('each hostile input gets its own code, over Connect and gRPC, and the process stays up', async () => {
    const started = Date.now();
    const { connect, grpc } = clients();
    for (const input of HOSTILE) {
      const response = await send(service.url, input);
      assert.ok(answerMatches(input, response), `${input.protocol}: ${input.name}: expected ${JSON.stringify(input.expected)}, got ${describeAnswer(response)}`);
      assert.ok(service.alive(), `the process is alive after ${input.protocol}: ${input.name}`);
    }
    // The server is still whole: both protocols serve a valid call.
    const viaConnect = await connect.createUser({ email: 'after-connect@example.com', displayName: 'A', roles: [Role.CLIENT] });
    const viaGrpc = await grpc.createUser({ email: 'after-grpc@example.com', displayName: 'B', roles: [Role.CLIENT] });
    assert.equal((await grpc.getUser({ userId: viaConnect.user!.userId })).user?.email, 'after-connect@example.com');
    assert.equal((await connect.getUser({ userId: viaGrpc.user!.userId })).user?.email, 'after-grpc@example.com');
    assert.ok(service.alive());
    assert.deepEqual(crashLines(service.stderr()), [], 'nothing crashed or was logged as unexpected in the service');
    recordReliability({
      area: 'hostile input (RPC)',
      faultOrInput: `each of ${HOSTILE.length} hostile requests (malformed/truncated protobuf and frames, invalid fields, oversized, wrong content type, unknown method, huge metadata), Connect and gRPC`,
      load: `${HOSTILE.length} raw HTTP/2 requests one by one, then 2 valid calls`,
      lost: 0,
      duplicates: 0,
      command: COMMAND,
      notes: `every input got its expected code in ${Date.now() - started} ms; malformed protobuf is InvalidArgument, not Internal`,
    });
  });

  test('a flood of hostile input beside valid calls: every valid call succeeds, none is lost, the process stays up', async () => {
    const FLOOD_ROUNDS = 6;
    const ATTACKERS = 3;
    const VALID_CALLS = 100;
    const VALID_CONCURRENCY = 8;
    const small = HOSTILE.filter((input) => !input.large);
    const { connect, grpc } = clients();
    const started = Date.now();
    let floodDone = false;
    const mismatches: string[] = [];
    let hostileSent = 0;

    // Each attacker reuses one session for its rounds, as a real client would, and opens a new one when the server closes it.
    const attack = async (attacker: number): Promise<void> => {
      let session = await openSession(service.url);
      for (let round = 0; round < FLOOD_ROUNDS; round++) {
        const answers = await Promise.all(
          small.map(async (input) => {
            const response = await rawRequest(session, input.path ?? CREATE_USER, input.headers, input.body);
            return { input, response };
          }),
        );
        hostileSent += answers.length;
        for (const { input, response } of answers) {
          if (!answerMatches(input, response)) mismatches.push(`attacker ${attacker} round ${round}: ${input.protocol}: ${input.name}: ${describeAnswer(response)}`);
        }
        if (session.closed || session.destroyed) session = await openSession(service.url);
      }
      session.close();
    };

    const created: { email: string; userId: string }[] = [];
    const failedCalls: string[] = [];
    let duringFlood = 0;
    const callValid = async (index: number): Promise<void> => {
      const email = `valid-${index}@example.com`;
      const client = index % 2 === 0 ? connect : grpc;
      try {
        const { user } = await client.createUser({ email, displayName: `V${index}`, roles: [Role.CLIENT] });
        created.push({ email, userId: user!.userId });
        if (!floodDone) duringFlood++;
      } catch (error) {
        failedCalls.push(`${index}: ${ConnectError.from(error).message}`);
      }
    };
    const valid = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: VALID_CONCURRENCY }, async () => {
          while (next < VALID_CALLS) await callValid(next++);
        }),
      );
    })();
    await Promise.all(Array.from({ length: ATTACKERS }, (_, attacker) => attack(attacker)));
    floodDone = true;
    await valid;
    const elapsedMs = Date.now() - started;

    assert.deepEqual(mismatches, [], 'every hostile input of the flood got its expected answer');
    assert.equal(hostileSent, FLOOD_ROUNDS * ATTACKERS * small.length);
    assert.deepEqual(failedCalls, [], 'no valid call failed');
    assert.equal(created.length, VALID_CALLS);
    assert.ok(duringFlood > 0, 'some valid calls ran while the flood was on');
    // Lost: a valid call that succeeded but whose user cannot be read back.
    const stored = new Map<string, string>();
    for (let from = 0; from < created.length; from += 100) {
      const { users } = await grpc.batchGetUsers({ userIds: created.slice(from, from + 100).map((entry) => entry.userId) });
      for (const user of users) stored.set(user.userId, user.email);
    }
    const lost = created.filter(({ email, userId }) => stored.get(userId) !== email).length;
    const duplicates = created.length - new Set(created.map((entry) => entry.userId)).size;
    assert.equal(lost, 0, 'every created user is there');
    assert.equal(duplicates, 0, 'no user was created twice');
    assert.ok(service.alive(), 'the process is still running');
    assert.deepEqual(crashLines(service.stderr()), [], 'nothing crashed or was logged as unexpected in the service');
    recordReliability({
      area: 'hostile input (RPC)',
      faultOrInput: `flood of ${hostileSent} hostile requests (${small.length} kinds, ${ATTACKERS} attackers) beside valid CreateUser calls`,
      load: `${VALID_CALLS} valid calls (${duringFlood} during the flood), Connect and gRPC, ${VALID_CONCURRENCY} at a time, in ${elapsedMs} ms`,
      lost,
      duplicates,
      command: COMMAND,
      notes: 'every hostile request got its code; the service process stayed up with an empty stderr',
    });
  });
});
