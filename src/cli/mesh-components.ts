import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenPortOf, SERVICE_NAMES } from '../services/service-catalog.js';
import { ComponentStages, type MeshComponent } from './mesh-component.js';
import { processComponent } from './process-component.js';
import { REPO_ROOT } from './repo-root.js';
import { serviceComponent } from './service-component.js';

/** DEFAULT_LOG_DIR is where `mesh up` writes each component's log (`<name>.log`). */
export const DEFAULT_LOG_DIR = join(REPO_ROOT, '.cache', 'mesh', 'logs');

/** SAGA_COORDINATOR_MAIN runs the saga coordinator (createContractSaga, started by BidAccepted events) as a process. */
export const SAGA_COORDINATOR_MAIN = fileURLToPath(new URL('./components/saga-coordinator-main.ts', import.meta.url));

/** JOB_WORKERS_MAIN runs the notification queues' workers and the job scheduler as a process. */
export const JOB_WORKERS_MAIN = fileURLToPath(new URL('./components/job-workers-main.ts', import.meta.url));

/** MeshComponentsOptions configure meshComponents. */
export interface MeshComponentsOptions {
  /** @defaultValue DEFAULT_LOG_DIR */
  logDir?: string;
  /**
   * kafka sends events to Kafka; false keeps each service's events in memory,
   * and then the saga coordinator and job workers (which need Kafka) are left out.
   * @defaultValue true
   */
  kafka?: boolean;
  /** env of the components; its *_SERVICE_URL variables choose the ports. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * meshComponents lists what `mesh up` starts, in start order (stopped in
 * reverse): the six reference services on the ports of the catalogue or of
 * their *_SERVICE_URL, then (with Kafka) the saga coordinator and the job
 * workers in ComponentStages.CONSUMERS, once the services they call are up.
 */
export function meshComponents(options: MeshComponentsOptions = {}): MeshComponent[] {
  const logDir = options.logDir ?? DEFAULT_LOG_DIR;
  const env = options.env ?? process.env;
  const services = SERVICE_NAMES.map((name) => serviceComponent(name, { port: listenPortOf(name, env), logDir, env, kafka: options.kafka }));
  if (options.kafka === false) return services;
  return [
    ...services,
    processComponent({ name: 'saga-coordinator', kind: 'saga', stage: ComponentStages.CONSUMERS, script: SAGA_COORDINATOR_MAIN, logDir, env }),
    processComponent({ name: 'job-workers', kind: 'jobs', stage: ComponentStages.CONSUMERS, script: JOB_WORKERS_MAIN, logDir, env }),
  ];
}
