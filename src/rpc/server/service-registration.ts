import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouter, ServiceImpl } from '@connectrpc/connect';

/**
 * ServiceRegistration pairs a generated service with its implementation;
 * build one with `defineService` so the implementation is type-checked
 * against the service.
 */
export interface ServiceRegistration {
  readonly service: DescService;
  readonly implementation: Partial<ServiceImpl<DescService>>;
}

/**
 * RouteRegistrar adds routes to a ConnectRouter, the shape connect-node's
 * `routes` option takes, for callers that already have one.
 */
export type RouteRegistrar = (router: ConnectRouter) => void;

/** ServerServices is what `createServer` accepts as `services`. */
export type ServerServices = readonly ServiceRegistration[] | RouteRegistrar;

/**
 * defineService type-checks an implementation against its service and returns
 * the registration `createServer` takes.
 */
export function defineService<T extends DescService>(service: T, implementation: Partial<ServiceImpl<T>>): ServiceRegistration {
  return { service, implementation: implementation as Partial<ServiceImpl<DescService>> };
}

/** toRouteRegistrar turns either form of `services` into one router callback. */
export function toRouteRegistrar(services: ServerServices): RouteRegistrar {
  if (typeof services === 'function') return services as RouteRegistrar;
  const list = services as readonly ServiceRegistration[];
  return (router) => {
    for (const { service, implementation } of list) router.service(service, implementation);
  };
}
