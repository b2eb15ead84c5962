import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { Health } from '../../../../gen/grpc/health/v1/health_pb.js';
import type { HealthRegistry } from './health-registry.js';

/**
 * createHealthService implements grpc.health.v1.Health on a HealthRegistry:
 * Check and List answer from it, Watch streams its changes.
 */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = registry.getStatus(request.service);
      // The protocol says an unknown service is NOT_FOUND for Check (and SERVICE_UNKNOWN for Watch).
      if (status === undefined) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      return { status };
    },
    list() {
      const statuses = Object.fromEntries([...registry.statusesByService()].map(([service, status]) => [service, { status }]));
      return { statuses };
    },
    async *watch(request, context) {
      for await (const status of registry.watch(request.service, context.signal)) yield { status };
    },
  };
}
