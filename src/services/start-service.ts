import type { DescService } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import type { EventPublisher } from '../events/event-publisher.js';
import {
  createServer,
  defineService,
  serverTlsFromEnv,
  type HealthRegistry,
  type ServerTlsOptions,
  type ServiceAuthOptions,
} from '../rpc/server/index.js';
import { ServiceCatalog, type ServiceName, type StoreOf } from './service-catalog.js';
import type { Clock } from './shared/clock.js';
import { createInMemoryEventPublisher } from './shared/in-memory-event-publisher.js';

/** DEFAULT_SERVICE_HOST is where services listen: loopback only, as the mesh runs on one machine. */
export const DEFAULT_SERVICE_HOST = '127.0.0.1';

/** DEFAULT_RETAINED_EVENTS is how many events the default in-memory publisher keeps (the no-Kafka mode). */
export const DEFAULT_RETAINED_EVENTS = 1000;

/** DEFAULT_SERVICE_SHUTDOWN_TIMEOUT_MS bounds how long close() lets in-flight calls finish before cancelling them. */
export const DEFAULT_SERVICE_SHUTDOWN_TIMEOUT_MS = 5_000;

/** StartServiceOptions tune startService. */
export interface StartServiceOptions<Store> {
  /**
   * port to listen on; 0 picks a free one.
   * @defaultValue the service's defaultPort in ServiceCatalog
   */
  port?: number;
  /** @defaultValue DEFAULT_SERVICE_HOST */
  host?: string;
  /**
   * events receives the service's domain events.
   * @defaultValue createInMemoryEventPublisher({ maxEvents: DEFAULT_RETAINED_EVENTS }) (the no-Kafka mode)
   */
  events?: EventPublisher;
  /** store to serve; a fresh one when omitted. */
  store?: Store;
  clock?: Clock;
  /**
   * tls serves HTTPS (mutual TLS with `requestCert` and a `ca`); false forces cleartext.
   * @defaultValue serverTlsFromEnv() (MESH_TLS_CERT, MESH_TLS_KEY, MESH_TLS_CA), cleartext when unset
   */
  tls?: ServerTlsOptions | false;
  /**
   * serviceAuth authenticates calling services and applies a per-method policy.
   * @defaultValue undefined (no service authentication)
   */
  serviceAuth?: ServiceAuthOptions;
  /**
   * shutdownTimeoutMs is how long close() lets in-flight calls finish.
   * @defaultValue DEFAULT_SERVICE_SHUTDOWN_TIMEOUT_MS
   */
  shutdownTimeoutMs?: number;
}

/** RunningService is one reference service listening on HTTP/2. */
export interface RunningService<Store> {
  name: ServiceName;
  /** url is what clients use, e.g. "http://127.0.0.1:3001". */
  url: string;
  port: number;
  store: Store;
  events: EventPublisher;
  /** health is the grpc.health.v1 status the server reports; set it to report the service's own readiness. */
  health: HealthRegistry;
  /** close turns health NOT_SERVING, stops accepting calls, drains the in-flight ones, then closes. */
  close(): Promise<void>;
}

/**
 * startService serves one reference service from ServiceCatalog with the
 * server kit (createServer): Connect, gRPC and gRPC-Web on one h2c port (or
 * TLS port, see `tls`), with
 * health, reflection, validation, idempotency, context and deadline handling.
 */
export async function startService<Name extends ServiceName>(name: Name, options: StartServiceOptions<StoreOf<Name>> = {}): Promise<RunningService<StoreOf<Name>>> {
  // Widened on purpose: the catalog's entries differ in types that one generic call cannot name.
  const entry = ServiceCatalog[name] as unknown as {
    service: DescService;
    defaultPort: number;
    createStore(): StoreOf<Name>;
    createImplementation(deps: { store: StoreOf<Name>; events: EventPublisher; clock?: Clock }): ServiceImpl<DescService>;
  };
  const store = options.store ?? entry.createStore();
  const events = options.events ?? createInMemoryEventPublisher({ maxEvents: DEFAULT_RETAINED_EVENTS });
  const implementation = entry.createImplementation({ store, events, clock: options.clock });
  const host = options.host ?? DEFAULT_SERVICE_HOST;
  const tls = options.tls === false ? undefined : (options.tls ?? serverTlsFromEnv());
  const server = await createServer({
    ...(tls && { tls }),
    ...(options.serviceAuth && { serviceAuth: options.serviceAuth }),
    services: [defineService(entry.service, implementation)],
    port: options.port ?? entry.defaultPort,
    host,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SERVICE_SHUTDOWN_TIMEOUT_MS,
  });
  return { name, url: server.url, port: server.port, store, events, health: server.health, close: () => server.close() };
}
