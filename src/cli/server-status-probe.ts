import { ConnectError } from '@connectrpc/connect';
import { BreakerState, ServerStatusService, type EndpointBreaker } from '../../gen/mesh/v1/server_status_pb.js';
import { createMeshClient } from '../rpc/client/index.js';
import { DEFAULT_HEALTH_TIMEOUT_MS } from './health-probe.js';

/** ServerStatusReport is what one server said about itself, or why it could not. */
export type ServerStatusReport = { inFlight: number; breakers: string } | { error: string };

/** ServerStatusProbe reads a toolkit server's mesh.v1.ServerStatusService. */
export interface ServerStatusProbe {
  read(): Promise<ServerStatusReport>;
  close(): void;
}

/** createServerStatusProbe returns a ServerStatusProbe for the server at `url` (no retries, no breaker: it only watches). */
export function createServerStatusProbe(url: string, timeoutMs = DEFAULT_HEALTH_TIMEOUT_MS): ServerStatusProbe {
  const mesh = createMeshClient(ServerStatusService, { baseUrls: url, defaultTimeoutMs: timeoutMs, retry: false, breaker: false });
  return {
    async read() {
      try {
        const status = await mesh.client.getServerStatus({});
        // The probe's own call is in flight while the server counts.
        return { inFlight: Math.max(0, status.inFlightCalls - 1), breakers: summarizeBreakers(status.breakers) };
      } catch (error) {
        return { error: ConnectError.from(error).rawMessage };
      }
    },
    close: () => mesh.close(),
  };
}

/**
 * summarizeBreakers says in a few words how a process's outgoing breakers
 * stand: the ones not CLOSED by target service, then how many are CLOSED
 * ("billing OPEN, 3 CLOSED"); '-' when it has none.
 */
export function summarizeBreakers(breakers: readonly EndpointBreaker[]): string {
  if (breakers.length === 0) return '-';
  const tripped = breakers
    .filter((breaker) => breaker.state !== BreakerState.CLOSED)
    .map((breaker) => `${shortServiceName(breaker.service)} ${BreakerState[breaker.state]}`);
  const closed = breakers.length - tripped.length;
  return [...tripped, ...(closed > 0 ? [`${closed} CLOSED`] : [])].join(', ');
}

/** shortServiceName turns "billing.v1.BillingService" into "billing". */
function shortServiceName(typeName: string): string {
  return typeName.split('.')[0] ?? typeName;
}
