import type { DescService } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { BillingService } from '../../gen/billing/v1/billing_service_pb.js';
import { CockpitService } from '../../gen/cockpit/v1/cockpit_service_pb.js';
import { MarketService } from '../../gen/market/v1/market_service_pb.js';
import { NotificationService } from '../../gen/notification/v1/notification_service_pb.js';
import { SkillpodService } from '../../gen/skillpod/v1/skillpod_service_pb.js';
import type { EventPublisher } from '../events/event-publisher.js';
import { AuthStore, createAuthService } from './auth/index.js';
import { BillingStore, createBillingService } from './billing/index.js';
import { CockpitStore, createCockpitService } from './cockpit/index.js';
import { MarketStore, createMarketService } from './market/index.js';
import { NotificationStore, createNotificationService } from './notification/index.js';
import type { Clock } from './shared/clock.js';
import { SkillpodStore, createSkillpodService } from './skillpod/index.js';

/** ServiceName names one of the six reference services. */
export type ServiceName = 'auth' | 'market' | 'skillpod' | 'cockpit' | 'billing' | 'notification';

/** ServiceCatalogEntry describes one reference service: its contract, where it listens, and how to build it. */
export interface ServiceCatalogEntry<Service extends DescService, Store> {
  name: ServiceName;
  service: Service;
  /** defaultPort is where the service listens unless told otherwise (3001-3006). */
  defaultPort: number;
  /** urlEnvVar names the environment variable clients read the service's URL(s) from. */
  urlEnvVar: string;
  /** createStore returns an empty store. */
  createStore(): Store;
  /** createImplementation builds the service's handlers over a store. */
  createImplementation(deps: { store: NoInfer<Store>; events: EventPublisher; clock?: Clock }): ServiceImpl<Service>;
}

function defineService<Service extends DescService, Store>(entry: ServiceCatalogEntry<Service, Store>): ServiceCatalogEntry<Service, Store> {
  return entry;
}

/** ServiceCatalog lists the six reference services, in the order of their ports. */
export const ServiceCatalog = {
  auth: defineService({
    name: 'auth',
    service: AuthService,
    defaultPort: 3001,
    urlEnvVar: 'AUTH_SERVICE_URL',
    createStore: () => new AuthStore(),
    createImplementation: createAuthService,
  }),
  market: defineService({
    name: 'market',
    service: MarketService,
    defaultPort: 3002,
    urlEnvVar: 'MARKET_SERVICE_URL',
    createStore: () => new MarketStore(),
    createImplementation: createMarketService,
  }),
  skillpod: defineService({
    name: 'skillpod',
    service: SkillpodService,
    defaultPort: 3003,
    urlEnvVar: 'SKILLPOD_SERVICE_URL',
    createStore: () => new SkillpodStore(),
    createImplementation: createSkillpodService,
  }),
  cockpit: defineService({
    name: 'cockpit',
    service: CockpitService,
    defaultPort: 3004,
    urlEnvVar: 'COCKPIT_SERVICE_URL',
    createStore: () => new CockpitStore(),
    createImplementation: createCockpitService,
  }),
  billing: defineService({
    name: 'billing',
    service: BillingService,
    defaultPort: 3005,
    urlEnvVar: 'BILLING_SERVICE_URL',
    createStore: () => new BillingStore(),
    createImplementation: createBillingService,
  }),
  notification: defineService({
    name: 'notification',
    service: NotificationService,
    defaultPort: 3006,
    urlEnvVar: 'NOTIFICATION_SERVICE_URL',
    createStore: () => new NotificationStore(),
    createImplementation: createNotificationService,
  }),
} as const satisfies Record<ServiceName, { name: ServiceName; defaultPort: number }>;

/** SERVICE_NAMES lists the reference services in port order. */
export const SERVICE_NAMES = Object.keys(ServiceCatalog) as ServiceName[];

/** StoreOf is the store type of a named service. */
export type StoreOf<Name extends ServiceName> = ReturnType<(typeof ServiceCatalog)[Name]['createStore']>;

/** isServiceName says whether a string names a reference service. */
export function isServiceName(value: string): value is ServiceName {
  return Object.hasOwn(ServiceCatalog, value);
}

/**
 * listenPortOf returns the port a service should listen on when none is
 * given: the port of its URL variable when that names exactly one URL with
 * an explicit port (so `npm start` and the clients agree), else its defaultPort.
 */
export function listenPortOf(name: ServiceName, env: NodeJS.ProcessEnv = process.env): number {
  const entry = ServiceCatalog[name];
  const value = env[entry.urlEnvVar]?.trim();
  if (!value || value.includes(',')) return entry.defaultPort;
  try {
    const port = new URL(value).port;
    return port === '' ? entry.defaultPort : Number(port);
  } catch {
    return entry.defaultPort;
  }
}
