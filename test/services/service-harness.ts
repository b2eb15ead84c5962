import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type ServiceImpl } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import assert from 'node:assert/strict';
import { ErrorInfoSchema } from '../../gen/mesh/v1/error_details_pb.js';
import { createServer, defineService } from '../../src/rpc/server/index.js';
import type { ServiceName, StoreOf } from '../../src/services/service-catalog.js';
import { createInMemoryEventPublisher, type InMemoryEventPublisher } from '../../src/services/shared/in-memory-event-publisher.js';
import { startService, type RunningService, type StartServiceOptions } from '../../src/services/start-service.js';

/** TestService is a reference service on a free port, its published events, and a way to call it. */
export interface TestService<Name extends ServiceName> extends RunningService<StoreOf<Name>> {
  events: InMemoryEventPublisher;
  /** client returns a client of `service` over one HTTP/2 session, closed with the service. */
  client<Service extends DescService>(service: Service, protocol?: 'connect' | 'grpc'): Client<Service>;
}

/** serveForTest starts a reference service on port 0 with an in-memory publisher. */
export async function serveForTest<Name extends ServiceName>(name: Name, options: StartServiceOptions<StoreOf<Name>> = {}): Promise<TestService<Name>> {
  const events = createInMemoryEventPublisher();
  const running = await startService(name, { events, ...options, port: 0 });
  const sessions: Http2SessionManager[] = [];
  return {
    ...running,
    events,
    client(service, protocol = 'connect') {
      const sessionManager = new Http2SessionManager(running.url);
      sessions.push(sessionManager);
      const transport =
        protocol === 'grpc'
          ? createGrpcTransport({ baseUrl: running.url, sessionManager })
          : createConnectTransport({ baseUrl: running.url, httpVersion: '2', sessionManager });
      return createClient(service, transport);
    },
    async close() {
      for (const session of sessions) session.abort();
      await running.close();
    },
  };
}

/** rejectsWith asserts a call fails with a code and, when given, an ErrorInfo reason. */
export async function rejectsWith(call: Promise<unknown>, code: Code, reason?: string): Promise<ConnectError> {
  const error = await call.then(
    () => assert.fail(`expected ${Code[code]}, the call succeeded`),
    (error: unknown) => ConnectError.from(error),
  );
  assert.equal(Code[error.code], Code[code], error.message);
  if (reason !== undefined) assert.equal(error.findDetails(ErrorInfoSchema)[0]?.reason, reason, error.message);
  return error;
}

/** eventTypes lists the short type names of what a publisher recorded, e.g. ["UserCreated"]. */
export function eventTypes(events: InMemoryEventPublisher): string[] {
  return events.events.map((event) => event.type.split('.').at(-1)!);
}

/** ServedImplementation is a hand-built implementation on a free port, for dependencies startService does not take. */
export interface ServedImplementation<Service extends DescService> {
  client: Client<Service>;
  close(): Promise<void>;
}

/** serveImplementation serves one implementation with the server kit on port 0 and connects a client to it. */
export async function serveImplementation<Service extends DescService>(service: Service, implementation: ServiceImpl<Service>): Promise<ServedImplementation<Service>> {
  const listener = await createServer({ services: [defineService(service, implementation)], port: 0, host: '127.0.0.1' });
  const baseUrl = listener.url;
  const sessionManager = new Http2SessionManager(baseUrl);
  return {
    client: createClient(service, createConnectTransport({ baseUrl, httpVersion: '2', sessionManager })),
    async close() {
      sessionManager.abort();
      await listener.close();
    },
  };
}
