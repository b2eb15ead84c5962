import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { EndpointBreakerSchema, GetServerStatusResponseSchema, type EndpointBreaker, type ServerStatusService } from '../../../../gen/mesh/v1/server_status_pb.js';

/** ServerStatusSources are where createServerStatusService reads a server's status from, at each call. */
export interface ServerStatusSources {
  /** inFlight counts the requests whose response has not finished. */
  inFlight(): number;
  /** breakers lists the process's outgoing circuit breakers. */
  breakers(): EndpointBreaker[];
}

/**
 * createServerStatusService implements mesh.v1.ServerStatusService: what a
 * server is doing right now, for an operator's table (`mesh up`).
 */
export function createServerStatusService(sources: ServerStatusSources): ServiceImpl<typeof ServerStatusService> {
  return {
    getServerStatus: () =>
      create(GetServerStatusResponseSchema, {
        inFlightCalls: sources.inFlight(),
        breakers: sources.breakers().map((breaker) => create(EndpointBreakerSchema, breaker)),
      }),
  };
}
