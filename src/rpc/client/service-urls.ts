import { MESH_TLS_CA_ENV, MESH_TLS_CERT_ENV } from '../tls/tls-env.js';
import { parseBaseUrls } from './parse-base-urls.js';

/** MeshServiceName names one of the six services of the mesh. */
export type MeshServiceName = 'auth' | 'market' | 'skillpod' | 'cockpit' | 'billing' | 'notification';

/** MESH_SERVICE_NAMES lists the services in port order. */
export const MESH_SERVICE_NAMES: readonly MeshServiceName[] = Object.freeze([
  'auth',
  'market',
  'skillpod',
  'cockpit',
  'billing',
  'notification',
]);

/** DEFAULT_SERVICE_PORTS are the localhost ports the services listen on by default. */
export const DEFAULT_SERVICE_PORTS: Readonly<Record<MeshServiceName, number>> = Object.freeze({
  auth: 3001,
  market: 3002,
  skillpod: 3003,
  cockpit: 3004,
  billing: 3005,
  notification: 3006,
});

/** SERVICE_URL_ENV names the environment variable (kept from the older design) that sets each service's URLs. */
export const SERVICE_URL_ENV: Readonly<Record<MeshServiceName, string>> = Object.freeze({
  auth: 'AUTH_SERVICE_URL',
  market: 'MARKET_SERVICE_URL',
  skillpod: 'SKILLPOD_SERVICE_URL',
  cockpit: 'COCKPIT_SERVICE_URL',
  billing: 'BILLING_SERVICE_URL',
  notification: 'NOTIFICATION_SERVICE_URL',
});

/** DEFAULT_SERVICE_URLS are the base URLs used when the environment sets none. */
export const DEFAULT_SERVICE_URLS: Readonly<Record<MeshServiceName, string>> = Object.freeze(
  Object.fromEntries(MESH_SERVICE_NAMES.map((name) => [name, `http://localhost:${DEFAULT_SERVICE_PORTS[name]}`])) as Record<
    MeshServiceName,
    string
  >,
);

/**
 * serviceUrls returns the endpoints of one service: the comma-separated list
 * in its environment variable (e.g. AUTH_SERVICE_URL), else its default URL,
 * with https when the mesh runs on TLS (MESH_TLS_CA or MESH_TLS_CERT set):
 * the services then serve TLS only, and a cleartext default would fail every call.
 */
export function serviceUrls(name: MeshServiceName, env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = env[SERVICE_URL_ENV[name]]?.trim();
  if (configured) return parseBaseUrls(configured);
  const fallback = DEFAULT_SERVICE_URLS[name];
  const tls = Boolean(env[MESH_TLS_CA_ENV]?.trim() || env[MESH_TLS_CERT_ENV]?.trim());
  return parseBaseUrls(tls ? fallback.replace(/^http:/, 'https:') : fallback);
}

/** serviceUrlTable returns the endpoints of every service, as serviceUrls reads them. */
export function serviceUrlTable(env: NodeJS.ProcessEnv = process.env): Record<MeshServiceName, string[]> {
  return Object.fromEntries(MESH_SERVICE_NAMES.map((name) => [name, serviceUrls(name, env)])) as Record<
    MeshServiceName,
    string[]
  >;
}
