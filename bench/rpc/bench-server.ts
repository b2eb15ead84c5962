// The server side of the RPC bench, run as its own process:
//   node --import tsx bench/rpc/bench-server.ts toolkit|connect-node|grpc-js
// Every kind serves auth.v1.AuthService from the same reference
// implementation (createAuthService over a seeded AuthStore) on h2c at
// 127.0.0.1, so only the server stack differs. It prints one JSON line
// ({ port, userId }) when ready, answers 'cpu-usage' messages (IPC) with its
// process.cpuUsage(), and exits when its stdin or IPC channel closes (the
// bench is done or died).
import { setMaxListeners } from 'node:events';
import { createServer as createHttp2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { AuthService, GetUserRequestSchema, GetUserResponseSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { createServer, defineService } from '../../src/rpc/server/index.js';
import { createSeededAuthService } from './seeded-auth-service.js';

/** BenchServerKind names the server stack under test: the toolkit's kit, plain connect-node, or @grpc/grpc-js. */
export type BenchServerKind = 'toolkit' | 'connect-node' | 'grpc-js';

/** BenchServerReady is the line a bench server prints once it listens. */
export interface BenchServerReady {
  port: number;
  /** userId is a seeded user GetUser finds. */
  userId: string;
}

const kind = process.argv[2] as BenchServerKind;
// connect-node links each in-flight call to the server's shutdown signal; 32
// calls in flight would print a MaxListenersExceededWarning (not a leak: each
// call removes its listener when it ends).
setMaxListeners(1_000);
const host = '127.0.0.1';
const { implementation, userId } = await createSeededAuthService();

function codec<Desc extends DescMessage>(schema: Desc) {
  return {
    serialize: (message: MessageShape<Desc>) => Buffer.from(toBinary(schema, message)),
    deserialize: (bytes: Buffer) => fromBinary(schema, bytes),
  };
}

async function startToolkit(): Promise<{ port: number; close(): Promise<void> }> {
  const server = await createServer({ services: [defineService(AuthService, implementation)], host });
  return { port: server.port, close: () => server.close({ timeoutMs: 1_000 }) };
}

/** startConnectNode serves the implementation with connect-node alone (no kit): what the kit starts from. */
async function startConnectNode(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttp2Server(connectNodeAdapter({ routes: (router) => router.service(AuthService, implementation) }));
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.close();
      }),
  };
}

/**
 * startGrpcJs serves GetUser from a grpc-js Server with protobuf-es codecs
 * (not proto-loader), so the handler and the message code are the toolkit
 * server's and only the server stack differs.
 */
async function startGrpcJs(): Promise<{ port: number; close(): Promise<void> }> {
  const request = codec(GetUserRequestSchema);
  const response = codec(GetUserResponseSchema);
  const definition: grpc.ServiceDefinition = {
    GetUser: {
      path: '/auth.v1.AuthService/GetUser',
      requestStream: false,
      responseStream: false,
      requestSerialize: request.serialize,
      requestDeserialize: request.deserialize,
      responseSerialize: response.serialize,
      responseDeserialize: response.deserialize,
    },
  } as grpc.ServiceDefinition;
  const server = new grpc.Server();
  server.addService(definition, {
    GetUser(call: grpc.ServerUnaryCall<MessageShape<typeof GetUserRequestSchema>, unknown>, callback: grpc.sendUnaryData<unknown>) {
      Promise.resolve(implementation.getUser(call.request, {} as HandlerContext)).then(
        (init) => callback(null, create(GetUserResponseSchema, init)),
        (error: Error) => callback({ code: grpc.status.INTERNAL, details: error.message }),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

const starters: Record<BenchServerKind, () => Promise<{ port: number; close(): Promise<void> }>> = {
  toolkit: startToolkit,
  'connect-node': startConnectNode,
  'grpc-js': startGrpcJs,
};
const server = Object.hasOwn(starters, kind) ? await starters[kind]() : undefined;
if (!server) {
  process.stderr.write(`bench-server: unknown kind ${JSON.stringify(kind)} (toolkit, connect-node or grpc-js)\n`);
  process.exit(2);
}
const ready: BenchServerReady = { port: server.port, userId };
process.stdout.write(`${JSON.stringify(ready)}\n`);

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  void server.close().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
// The bench reads this process's CPU time around each measured run.
process.on('message', (message) => {
  if (message === 'cpu-usage') process.send?.(process.cpuUsage());
});
process.on('disconnect', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
