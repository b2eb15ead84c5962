// Test implementations of generated services, with behaviour chosen by the
// request, for the server-kit tests (the reference services live elsewhere).
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { loadSync } from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { getContext } from '../../../src/context/index.js';
import { defineService, type ServiceRegistration } from '../../../src/rpc/server/index.js';

/** TestAuth is an AuthService whose getUser behaviour is picked by the user id. */
export interface TestAuth {
  readonly registration: ServiceRegistration;
  /** attempts counts getUser calls per user id. */
  readonly attempts: Map<string, number>;
  /** created counts createUser calls that ran the handler. */
  readonly created: { count: number };
}

/**
 * createTestAuth implements GetUser by user id: "unavailable-once:*" fails
 * with Unavailable on the first attempt, "boom" throws a plain Error,
 * "missing" is NotFound, "slow:<ms>" answers after ms, "downstream-garbage"
 * fails as a client call whose response did not parse; anything else returns
 * the handler's RequestContext as JSON in display_name.
 */
export function createTestAuth(): TestAuth {
  const attempts = new Map<string, number>();
  const created = { count: 0 };
  const registration = defineService(AuthService, {
    async getUser(request, context) {
      const id = request.userId;
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      if (id.startsWith('unavailable-once:') && attempt === 1) throw new ConnectError('try again', Code.Unavailable);
      if (id === 'boom') throw new Error('db password is hunter2');
      if (id === 'missing') throw new ConnectError('no such user', Code.NotFound);
      if (id === 'downstream-garbage') throw new ConnectError('parse binary: premature EOF', Code.Internal);
      if (id.startsWith('slow:')) await sleep(Number(id.slice(5)), undefined, { signal: context.signal });
      return { user: { userId: id, displayName: JSON.stringify({ ...getContext(), timeoutMs: context.timeoutMs() }) } };
    },
    async createUser(request) {
      created.count += 1;
      if (request.displayName.startsWith('slow')) await sleep(300);
      if (request.email === 'taken@example.com') throw new ConnectError('email taken', Code.AlreadyExists);
      if (request.email === 'flaky@example.com') throw new ConnectError('try later', Code.Unavailable);
      return { user: { userId: `user-${created.count}`, email: request.email, displayName: request.displayName } };
    },
  });
  return { registration, attempts, created };
}

/** loadGrpcPackage loads proto files the way a grpc-js peer does, from proto/. */
export function loadGrpcPackage(files: string[]): Record<string, any> {
  const definition = loadSync(files, { includeDirs: ['proto'], longs: String, enums: String, defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(definition) as Record<string, any>;
}

/** grpcTarget turns a server URL into a grpc-js target ("localhost:1234"). */
export function grpcTarget(url: string): string {
  return new URL(url).host;
}

/** unaryCall promisifies one grpc-js unary call, resolving with the response and metadata. */
export function unaryCall<T>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    (client as any)[method](request, metadata, options, (error: grpc.ServiceError | null, response: T) =>
      error ? reject(error) : resolve(response),
    );
  });
}
