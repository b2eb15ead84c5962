import type { Client } from '@connectrpc/connect';
import { serviceTokenSignerFromEnv } from '../auth/service-auth-env.js';
import type { ServiceTokenSigner } from '../auth/service-token-signer.js';
import { clientTlsFromEnv } from './client-tls-options.js';
import { createMeshClient, type MeshClient, type ServiceClientOptions } from './create-mesh-client.js';
import { MESH_SERVICES, type MeshServices } from './mesh-services.js';
import { serviceUrls, type MeshServiceName } from './service-urls.js';

/** MeshClientDefaults are options applied to every ready client (everything but the URLs). */
export type MeshClientDefaults = Omit<ServiceClientOptions, 'baseUrls'>;

const handles = new Map<MeshServiceName, MeshClient<MeshServices[MeshServiceName]>>();
let defaults: MeshClientDefaults = {};
// One signer for every ready client, so each audience's token is signed once per refresh.
let envSigner: ServiceTokenSigner | undefined | null = null;

/**
 * configureMeshClients sets the options of the ready clients created from now
 * on (protocol, timeouts, retry, breaker…); URLs still come from the environment.
 */
export function configureMeshClients(options: MeshClientDefaults): void {
  defaults = { ...options };
}

/**
 * meshClient returns the process-wide client handle of a service, creating it
 * on first use from its environment variable (AUTH_SERVICE_URL, …) and, unless
 * configureMeshClients set them, the TLS files of MESH_TLS_CA, MESH_TLS_CERT
 * and MESH_TLS_KEY and the service token key of MESH_SERVICE_NAME and
 * MESH_SERVICE_TOKEN_KEY.
 */
export function meshClient<N extends MeshServiceName>(name: N): MeshClient<MeshServices[N]> {
  let handle = handles.get(name);
  if (!handle) {
    const tls = defaults.tls ?? clientTlsFromEnv();
    if (envSigner === null) envSigner = serviceTokenSignerFromEnv();
    const serviceToken = defaults.serviceToken ?? (envSigner && { signer: envSigner });
    handle = createMeshClient(MESH_SERVICES[name], { ...defaults, ...(tls && { tls }), ...(serviceToken && { serviceToken }), baseUrls: serviceUrls(name) });
    handles.set(name, handle);
  }
  return handle as MeshClient<MeshServices[N]>;
}

/** readyClientHandles returns the handles of the ready clients created so far. */
export function readyClientHandles(): MeshClient<MeshServices[MeshServiceName]>[] {
  return [...handles.values()];
}

/**
 * closeMeshClients closes every ready client's connections; the next use of a
 * ready client creates it again (re-reading the environment).
 */
export function closeMeshClients(): void {
  for (const handle of handles.values()) handle.close();
  handles.clear();
  envSigner = null;
}

// The ready clients are proxies so that importing this module neither reads
// the environment nor opens connections; the handle is made on first call.
function lazyClient<N extends MeshServiceName>(name: N): Client<MeshServices[N]> {
  return new Proxy({} as Client<MeshServices[N]>, {
    get: (_target, property) => Reflect.get(meshClient(name).client, property),
    has: (_target, property) => Reflect.has(meshClient(name).client, property),
    ownKeys: () => Reflect.ownKeys(meshClient(name).client),
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(meshClient(name).client, property);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

/** authClient is the ready client of AuthService (AUTH_SERVICE_URL, default http://localhost:3001). */
export const authClient = lazyClient('auth');
/** marketClient is the ready client of MarketService (MARKET_SERVICE_URL, default http://localhost:3002). */
export const marketClient = lazyClient('market');
/** skillpodClient is the ready client of SkillpodService (SKILLPOD_SERVICE_URL, default http://localhost:3003). */
export const skillpodClient = lazyClient('skillpod');
/** cockpitClient is the ready client of CockpitService (COCKPIT_SERVICE_URL, default http://localhost:3004). */
export const cockpitClient = lazyClient('cockpit');
/** billingClient is the ready client of BillingService (BILLING_SERVICE_URL, default http://localhost:3005). */
export const billingClient = lazyClient('billing');
/** notificationClient is the ready client of NotificationService (NOTIFICATION_SERVICE_URL, default http://localhost:3006). */
export const notificationClient = lazyClient('notification');
