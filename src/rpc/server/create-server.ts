import { createServer as createHttp1Server } from 'node:http';
import { createSecureServer, createServer as createHttp2Server, type Http2ServerResponse, type SecureServerOptions } from 'node:http2';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type Interceptor, type ServiceImpl } from '@connectrpc/connect';
import { Health } from '../../../gen/grpc/health/v1/health_pb.js';
import { file_mesh_v1_error_details } from '../../../gen/mesh/v1/error_details_pb.js';
import { ServerReflection } from '../../../gen/grpc/reflection/v1/reflection_pb.js';
import { ServerStatusService } from '../../../gen/mesh/v1/server_status_pb.js';
import { readyClientBreakers } from '../client/ready-client-breakers.js';
import { createServerTracingInterceptor } from '../../telemetry/server-tracing-interceptor.js';
import { createCleartextListener } from './cleartext-listener.js';
import { ConnectionTracker } from './connection-tracker.js';
import { createHealthService } from './health/health-service.js';
import { HealthRegistry, OVERALL_HEALTH, ServingStatus } from './health/health-registry.js';
import { createContextInterceptor } from './interceptors/context-interceptor.js';
import { createErrorInterceptor } from './interceptors/error-interceptor.js';
import { createServiceAuthInterceptor } from './interceptors/service-auth-interceptor.js';
import { createIdempotencyGuard } from './idempotency-guard.js';
import { incomingCallValues } from './interceptors/incoming-call.js';
import { createUnparsableRequestInterceptor } from './interceptors/unparsable-request-interceptor.js';
import { createValidationInterceptor } from './interceptors/validation-interceptor.js';
import { createDescriptorIndex } from './reflection/descriptor-index.js';
import { createReflectionService } from './reflection/reflection-service.js';
import { reflectionV1AlphaService } from './reflection/reflection-v1alpha.js';
import { createNodeAdapter } from './node-adapter.js';
import { toRouteRegistrar } from './service-registration.js';
import { createServerStatusService } from './status/server-status-service.js';
import {
  CLOSE_GRACE_MS,
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_PORT,
  DEFAULT_READ_MAX_BYTES,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type MeshServer,
  type ServerOptions,
} from './server-options.js';
import { wrapUnaryRoutes, type UnaryWrapper } from './unary-wrapper.js';
import { TrailersOnlyResponse, withTrailersOnly, type RequestListener } from './trailers-only.js';
import { withUnparsableAsInvalidArgument } from './unparsable-request.js';

/**
 * createServer starts a server for generated services on node:http2 that
 * speaks Connect, gRPC and gRPC-Web, with the toolkit's server interceptors
 * (outermost first: request parsing, tracing, context, errors, service
 * auth, validation, then yours), the idempotency guard around each unary
 * implementation, gRPC health and reflection, mesh.v1.ServerStatusService,
 * Trailers-Only gRPC errors, InvalidArgument for a request message that is
 * not valid protobuf (see unparsable-request.ts) and graceful shutdown. It
 * resolves once the server listens.
 */
export async function createServer(options: ServerOptions): Promise<MeshServer> {
  const health = new HealthRegistry();
  const tracker = new ConnectionTracker();
  const shutdown = new AbortController();
  // connect-node adds one listener per in-flight call to this signal; many
  // concurrent calls are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const served: DescService[] = [];
  const maxHeaderListSize = options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;

  const routes = (router: ConnectRouter) => {
    wrapUnaryRoutes(toRouteRegistrar(options.services), toolkitWrappers(options))(router);
    served.push(...new Set(router.handlers.map((handler) => handler.service)));
    const own = served.map((service) => service.typeName);
    if (options.health ?? true) {
      router.service(Health, createHealthService(health));
      served.push(Health);
    }
    if (options.status !== false) {
      const breakers = options.status?.breakers ?? readyClientBreakers;
      router.service(ServerStatusService, createServerStatusService({ inFlight: () => tracker.inFlightCount, breakers }));
      served.push(ServerStatusService);
    }
    if (options.reflection ?? true) {
      const v1alpha = reflectionV1AlphaService();
      served.push(ServerReflection, v1alpha);
      const reflection = createReflectionService(createDescriptorIndex(served, [file_mesh_v1_error_details]));
      router.service(ServerReflection, reflection);
      router.service(v1alpha, reflection as unknown as Partial<ServiceImpl<DescService>>);
    }
    for (const name of [OVERALL_HEALTH, ...own]) health.setStatus(name, ServingStatus.SERVING);
  };

  const adapter = createNodeAdapter(
    {
      ...options.connect,
      routes,
      interceptors: toolkitInterceptors(options),
      readMaxBytes: options.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
      shutdownSignal: shutdown.signal,
      contextValues: incomingCallValues,
    },
    withUnparsableAsInvalidArgument,
  );
  const handler = withTrailersOnly(adapter);
  const onRequest: RequestListener = (request, response) => {
    tracker.trackRequest(request, response);
    try {
      handler(request, response);
    } catch {
      // connect-node throws synchronously on requests it cannot map (an
      // HTTP/1.0 request without Host); inside a 'request' listener that
      // would take the whole process down.
      if (!response.headersSent) response.writeHead(400);
      response.end();
    }
  };

  const settings = { maxHeaderListSize };
  // Typed as its parent: node's typings make the server generic in the response class.
  const trailersOnlyResponse = TrailersOnlyResponse as typeof Http2ServerResponse;
  let listener: NetServer;
  if (options.tls) {
    const secure = createSecureServer(
      { ...options.tls, allowHTTP1: true, settings, maxHeaderSize: maxHeaderListSize, Http2ServerResponse: trailersOnlyResponse } as SecureServerOptions,
      onRequest,
    );
    secure.on('session', (session) => tracker.trackSession(session));
    listener = secure;
  } else {
    const http2 = createHttp2Server({ settings, Http2ServerResponse: trailersOnlyResponse }, onRequest);
    http2.on('session', (session) => tracker.trackSession(session));
    const http1 = createHttp1Server({ maxHeaderSize: maxHeaderListSize }, onRequest as Parameters<typeof createHttp1Server>[1]);
    listener = createCleartextListener(http2, http1);
  }
  listener.on('connection', (socket: Socket) => tracker.trackSocket(socket));

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? DEFAULT_PORT, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const port = (listener.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = async (timeoutMs: number): Promise<void> => {
    health.shutdown();
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    const drained = await tracker.drain(timeoutMs);
    if (!drained) shutdown.abort(new ConnectError('server is shutting down', Code.Unavailable));
    await Promise.race([closed, sleep(CLOSE_GRACE_MS, undefined, { ref: false })]);
    tracker.destroyAll();
    await closed;
  };

  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://${urlHost(options.host)}:${port}`,
    services: served,
    health,
    close: (closeOptions = {}) => (closing ??= close(closeOptions.timeoutMs ?? options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)),
  };
}

function toolkitInterceptors(options: ServerOptions): Interceptor[] {
  return [
    // Outermost, so every other interceptor sees a malformed streamed message as InvalidArgument.
    createUnparsableRequestInterceptor(),
    // Next, so the context interceptor sees the call's SERVER span, which it makes current with the request context.
    createServerTracingInterceptor({ handOffContext: true }),
    createContextInterceptor(),
    createErrorInterceptor(options.errors),
    ...(options.serviceAuth ? [createServiceAuthInterceptor(options.serviceAuth)] : []),
    ...(options.validation ?? true ? [createValidationInterceptor()] : []),
    ...(options.interceptors ?? []),
  ];
}

function toolkitWrappers(options: ServerOptions): UnaryWrapper[] {
  return [...(options.idempotency === false ? [] : [createIdempotencyGuard(options.idempotency)]), ...(options.unaryWrappers ?? [])];
}

function urlHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '::' || host === '0.0.0.0') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
