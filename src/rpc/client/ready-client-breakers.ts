import { create } from '@bufbuild/protobuf';
import { BreakerState, EndpointBreakerSchema, type EndpointBreaker } from '../../../gen/mesh/v1/server_status_pb.js';
import type { CircuitState } from '../../resilience/index.js';
import { readyClientHandles } from './mesh-clients.js';

const BREAKER_STATES: Record<CircuitState, BreakerState> = {
  CLOSED: BreakerState.CLOSED,
  OPEN: BreakerState.OPEN,
  HALF_OPEN: BreakerState.HALF_OPEN,
};

/**
 * readyClientBreakers lists the breakers of the ready clients this process
 * has used (authClient, billingClient, …), one per endpoint called so far.
 */
export function readyClientBreakers(): EndpointBreaker[] {
  return readyClientHandles().flatMap((handle) =>
    [...handle.breakers()].map(([endpoint, breaker]) =>
      create(EndpointBreakerSchema, { service: handle.service.typeName, endpoint, state: BREAKER_STATES[breaker.state.state] }),
    ),
  );
}
