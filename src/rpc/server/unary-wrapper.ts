import type { DescMethod, DescMethodUnary, Message, MessageInitShape, DescMessage } from '@bufbuild/protobuf';
import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import type { RouteRegistrar } from './service-registration.js';

/** UnaryHandler is the implementation of one unary method, seen generically. */
export type UnaryHandler = (
  request: Message,
  context: HandlerContext,
) => Promise<MessageInitShape<DescMessage>> | MessageInitShape<DescMessage>;

/**
 * UnaryWrapper decorates the implementation of a unary method. Unlike an
 * interceptor it receives connect's HandlerContext, so it can answer a call
 * itself with the right response headers (an interceptor that skips `next`
 * loses the protocol's content-type, because connect copies its headers over
 * the call's).
 */
export type UnaryWrapper = (method: DescMethodUnary, handler: UnaryHandler) => UnaryHandler;

/**
 * wrapUnaryRoutes returns a registrar that hands `registrar` a router whose
 * unary implementations get wrapped, the first wrapper outermost.
 */
export function wrapUnaryRoutes(registrar: RouteRegistrar, wrappers: readonly UnaryWrapper[]): RouteRegistrar {
  if (wrappers.length === 0) return registrar;
  const wrap = (method: DescMethod, impl: unknown): unknown => {
    if (method.methodKind !== 'unary' || typeof impl !== 'function') return impl;
    const unary = method as DescMethodUnary;
    return wrappers.reduceRight<UnaryHandler>((inner, wrapper) => wrapper(unary, inner), impl as UnaryHandler);
  };
  return (router) => {
    const decorated: ConnectRouter = {
      get handlers() {
        return router.handlers;
      },
      service(service, implementation, options) {
        const wrapped: Record<string, unknown> = {};
        for (const method of service.methods) {
          const impl = (implementation as Record<string, unknown>)[method.localName];
          // Bound, because implementations may be class instances.
          if (typeof impl === 'function') wrapped[method.localName] = wrap(method, impl.bind(implementation));
        }
        router.service(service, wrapped as typeof implementation, options);
        return this;
      },
      rpc(method, impl, options) {
        router.rpc(method, wrap(method, impl) as typeof impl, options);
        return this;
      },
    };
    registrar(decorated);
  };
}
