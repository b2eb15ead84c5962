import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceCatalog, type ServiceName } from '../services/service-catalog.js';
import { createHealthProbe } from './health-probe.js';
import { createServerStatusProbe } from './server-status-probe.js';
import { ComponentStages, type MeshComponent, type RunningComponent } from './mesh-component.js';
import { spawnComponent } from './spawn-component.js';
import type { ChildExit } from './stop-child-process.js';
import { waitUntilServing } from './wait-until-serving.js';

/** SERVICE_MAIN is the entry point that runs one reference service as a process. */
export const SERVICE_MAIN = fileURLToPath(new URL('../services/main.ts', import.meta.url));

/** ServiceComponentOptions configure serviceComponent. */
export interface ServiceComponentOptions {
  /** port the service listens on (on 127.0.0.1). */
  port: number;
  /** logDir receives `<service>.log`. */
  logDir: string;
  /**
   * kafka sends the service's events to Kafka; false keeps them in memory (`--no-kafka`).
   * @defaultValue true
   */
  kafka?: boolean;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue DEFAULT_ANNOUNCE_TIMEOUT_MS */
  announceTimeoutMs?: number;
  /** @defaultValue DEFAULT_SERVING_TIMEOUT_MS */
  servingTimeoutMs?: number;
  /** @defaultValue DEFAULT_STOP_TIMEOUT_MS */
  stopTimeoutMs?: number;
}

interface ServiceAnnouncement {
  service: string;
  url: string;
}

/**
 * serviceComponent runs one reference service as a child process
 * (src/services/main.ts) and calls it ready once grpc.health.v1 reports it
 * SERVING. Its status is a health check through the CLI's own client, whose
 * circuit breaker state is shown too, and the service's own report of its
 * in-flight calls and outgoing breakers (mesh.v1.ServerStatusService).
 */
export function serviceComponent(name: ServiceName, options: ServiceComponentOptions): MeshComponent {
  return {
    name,
    kind: 'service',
    stage: ComponentStages.SERVICES,
    async start(signal?: AbortSignal): Promise<RunningComponent> {
      const startedAt = Date.now();
      const spawned = await spawnComponent<ServiceAnnouncement>({
        name,
        script: SERVICE_MAIN,
        args: [name, '--port', String(options.port), ...(options.kafka === false ? ['--no-kafka'] : [])],
        logFile: join(options.logDir, `${name}.log`),
        env: options.env,
        announceTimeoutMs: options.announceTimeoutMs,
        signal,
      });
      const url = spawned.announcement.url;
      const probe = createHealthProbe({ url, service: ServiceCatalog[name].service.typeName, breaker: true });
      const serverStatus = createServerStatusProbe(url);
      let exit: ChildExit | undefined;
      void spawned.exited.then((how) => (exit = how));
      try {
        await waitUntilServing(name, probe, { timeoutMs: options.servingTimeoutMs, gone: spawned.exited, signal });
      } catch (error) {
        probe.close();
        serverStatus.close();
        await spawned.stop(options.stopTimeoutMs);
        throw error;
      }
      return {
        name,
        kind: 'service',
        stage: ComponentStages.SERVICES,
        pid: spawned.pid,
        url,
        logFile: spawned.logFile,
        readyMs: Date.now() - startedAt,
        exited: spawned.exited,
        async status() {
          if (exit) return { health: 'EXITED', detail: exit.signal ?? `code ${exit.code}` };
          const [report, status] = await Promise.all([probe.check(), serverStatus.read()]);
          const served = 'error' in status ? {} : { inFlight: status.inFlight, breakers: status.breakers };
          return { health: report.state, breaker: probe.breakerState(), detail: report.detail, ...served };
        },
        async stop() {
          probe.close();
          serverStatus.close();
          return spawned.stop(options.stopTimeoutMs);
        },
      };
    },
  };
}
