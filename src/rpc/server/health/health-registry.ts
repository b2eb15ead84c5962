import { HealthCheckResponse_ServingStatus as ServingStatus } from '../../../../gen/grpc/health/v1/health_pb.js';

/** OVERALL_HEALTH is the service name grpc.health.v1 uses for the server as a whole. */
export const OVERALL_HEALTH = '';

type Listener = (status: ServingStatus) => void;

/**
 * HealthRegistry holds the serving status of each service of one server, as
 * grpc.health.v1 reports it; `''` stands for the whole server. Watchers hear
 * every change, and `shutdown` tells them NOT_SERVING and ends their streams.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();
  private closed = false;

  /** setStatus records a service's status and tells its watchers when it changed. */
  setStatus(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const listener of this.listeners.get(service) ?? []) listener(status);
  }

  /** getStatus returns a service's status, or undefined for a service never set. */
  getStatus(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** statusesByService returns every known service with its status. */
  statusesByService(): ReadonlyMap<string, ServingStatus> {
    return new Map(this.statuses);
  }

  /**
   * shutdown marks every service NOT_SERVING, so load balancers and probes
   * stop sending work, and then ends every watch stream.
   */
  shutdown(): void {
    for (const service of this.statuses.keys()) this.setStatus(service, ServingStatus.NOT_SERVING);
    this.closed = true;
    for (const close of this.closers) close();
  }

  /**
   * watch yields the current status of a service (SERVICE_UNKNOWN when never
   * set) and then each change, until `signal` aborts or the registry shuts down.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    const queue: ServingStatus[] = [this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN];
    let wake: (() => void) | undefined;
    let ended = this.closed;
    const listener: Listener = (status) => {
      queue.push(status);
      wake?.();
    };
    const end = () => {
      ended = true;
      wake?.();
    };
    const listeners = this.listeners.get(service) ?? new Set<Listener>();
    this.listeners.set(service, listeners);
    listeners.add(listener);
    this.closers.add(end);
    signal.addEventListener('abort', end, { once: true });
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (ended || signal.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      listeners.delete(listener);
      this.closers.delete(end);
      signal.removeEventListener('abort', end);
    }
  }
}

export { ServingStatus };
