import { ConnectError } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '../../gen/grpc/health/v1/health_pb.js';
import { clientTlsFromEnv, createMeshClient } from '../rpc/client/index.js';
import type { CircuitState } from '../resilience/index.js';

/** DEFAULT_HEALTH_TIMEOUT_MS bounds one health check; a healthy local service answers in a few ms. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1_500;

/** HealthState is what one check found: a grpc.health.v1 status, or UNREACHABLE when the call itself failed. */
export type HealthState = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN' | 'UNKNOWN' | 'UNREACHABLE';

/** HealthReport is the outcome of one check; `detail` says why a call failed. */
export interface HealthReport {
  state: HealthState;
  detail?: string;
}

/** HealthProbeOptions configure createHealthProbe. */
export interface HealthProbeOptions {
  /** url is the base URL of the server to check. */
  url: string;
  /** service is the fully-qualified service name to ask about; '' asks about the whole server. */
  service: string;
  /** @defaultValue DEFAULT_HEALTH_TIMEOUT_MS */
  timeoutMs?: number;
  /**
   * breaker puts the toolkit's circuit breaker (with its defaults) in front of the checks.
   * @defaultValue false
   */
  breaker?: boolean;
}

/** HealthProbe checks one server's grpc.health.v1 status through a toolkit client. */
export interface HealthProbe {
  readonly url: string;
  check(): Promise<HealthReport>;
  /** breakerState is the state of the probe's own circuit breaker; undefined without one. */
  breakerState(): CircuitState | undefined;
  close(): void;
}

/** createHealthProbe returns a HealthProbe over a createMeshClient client of grpc.health.v1.Health. */
export function createHealthProbe(options: HealthProbeOptions): HealthProbe {
  // Health is open to every caller, but a mutual-TLS server still wants a client certificate.
  const tls = clientTlsFromEnv();
  const mesh = createMeshClient(Health, {
    baseUrls: options.url,
    ...(tls && { tls }),
    defaultTimeoutMs: options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    retry: false,
    breaker: options.breaker ? {} : false,
  });
  return {
    url: options.url,
    async check() {
      try {
        const response = await mesh.client.check({ service: options.service });
        return { state: (HealthCheckResponse_ServingStatus[response.status] ?? 'UNKNOWN') as HealthState };
      } catch (error) {
        return { state: 'UNREACHABLE', detail: ConnectError.from(error).rawMessage };
      }
    },
    breakerState: () => mesh.breaker(options.url)?.state.state,
    close: () => mesh.close(),
  };
}
