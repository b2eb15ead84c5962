import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouter, ServiceImpl } from '@connectrpc/connect';
import type { EventPublisher } from '../events/event-publisher.js';
import { listenH2c } from './listen-h2c.js';
import { ServiceCatalog, type ServiceName, type StoreOf } from './service-catalog.js';
import type { Clock } from './shared/clock.js';
import { createInMemoryEventPublisher } from './shared/in-memory-event-publisher.js';

/** DEFAULT_SERVICE_HOST is where services listen: loopback only, as the mesh runs on one machine. */
export const DEFAULT_SERVICE_HOST = '127.0.0.1';

/** DEFAULT_RETAINED_EVENTS is how many events the default in-memory publisher keeps (the no-Kafka mode). */
export const DEFAULT_RETAINED_EVENTS = 1000;

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
}

/** RunningService is one reference service listening on HTTP/2. */
export interface RunningService<Store> {
  name: ServiceName;
  /** url is what clients use, e.g. "http://127.0.0.1:3001". */
  url: string;
  port: number;
  store: Store;
  events: EventPublisher;
  /** close stops accepting calls, drains the in-flight ones, then closes. */
  close(): Promise<void>;
}

function routesOf<Service extends DescService>(service: Service, implementation: ServiceImpl<Service>) {
  return (router: ConnectRouter) => void router.service(service, implementation);
}

/** startService serves one reference service from ServiceCatalog on a real HTTP/2 (h2c) server. */
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
  const listener = await listenH2c(routesOf(entry.service, implementation), { port: options.port ?? entry.defaultPort, host });
  return { name, url: `http://${host}:${listener.port}`, port: listener.port, store, events, close: () => listener.close() };
}
