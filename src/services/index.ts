export * from './auth/index.js';
export * from './billing/index.js';
export * from './cockpit/index.js';
export * from './market/index.js';
export * from './notification/index.js';
export * from './skillpod/index.js';
export * from './shared/index.js';
export { SERVICE_NAMES, ServiceCatalog, isServiceName, listenPortOf, type ServiceCatalogEntry, type ServiceName, type StoreOf } from './service-catalog.js';
export { DEFAULT_RETAINED_EVENTS, DEFAULT_SERVICE_HOST, DEFAULT_SERVICE_SHUTDOWN_TIMEOUT_MS, startService, type RunningService, type StartServiceOptions } from './start-service.js';
