// Public API of the RPC clients: the factory, the ready clients of the six
// services, and where their URLs come from.
export {
  createMeshClient,
  DEFAULT_HTTP_VERSION,
  DEFAULT_PROTOCOL,
  type HttpVersion,
  type MeshClient,
  type ServiceClientOptions,
} from './create-mesh-client.js';
export { clientTlsFromEnv, tlsIdentityKey, toNodeTlsOptions, type ClientTlsOptions } from './client-tls-options.js';
export { createServiceClient } from './create-service-client.js';
export { CONNECTION_REFUSED_CODE, connectionFailureError, connectionFailureOf } from './connection-failure.js';
export {
  DEFAULT_HTTP2_PING_INTERVAL_MS,
  DEFAULT_HTTP2_PING_TIMEOUT_MS,
  DEFAULT_HTTP2_SESSION_OPTIONS,
  leaseHttp2Session,
  REFUSED_AFTER_CONNECT_MS,
  type ConnectionFailure,
  type Http2SessionLease,
} from './http2-session-pool.js';
export { createDeadlineTransport, MAX_ARMED_TIMEOUT_MS } from './deadline-transport.js';
export {
  MAX_READ_NOTICE_INTERVAL_MS,
  READ_NOTICE_SHARE_OF_PING_INTERVAL,
  throttleReadNotices,
  type SessionManagerView,
} from './throttle-read-notices.js';
export {
  authClient,
  billingClient,
  closeMeshClients,
  cockpitClient,
  configureMeshClients,
  marketClient,
  meshClient,
  notificationClient,
  skillpodClient,
  type MeshClientDefaults,
} from './mesh-clients.js';
export { createMeshHttpClient, type MeshHttpClient } from './mesh-http-client.js';
export { MESH_SERVICES, type MeshServices } from './mesh-services.js';
export { createMeshTransport, type MeshTransportOptions, type RpcProtocol } from './mesh-transport.js';
export { parseBaseUrls } from './parse-base-urls.js';
export {
  DEFAULT_SERVICE_PORTS,
  DEFAULT_SERVICE_URLS,
  MESH_SERVICE_NAMES,
  SERVICE_URL_ENV,
  serviceUrls,
  serviceUrlTable,
  type MeshServiceName,
} from './service-urls.js';
