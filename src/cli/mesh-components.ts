import { join } from 'node:path';
import { listenPortOf, SERVICE_NAMES } from '../services/service-catalog.js';
import type { MeshComponent } from './mesh-component.js';
import { REPO_ROOT } from './repo-root.js';
import { serviceComponent } from './service-component.js';

/** DEFAULT_LOG_DIR is where `mesh up` writes each component's log (`<name>.log`). */
export const DEFAULT_LOG_DIR = join(REPO_ROOT, '.cache', 'mesh', 'logs');

/** MeshComponentsOptions configure meshComponents. */
export interface MeshComponentsOptions {
  /** @defaultValue DEFAULT_LOG_DIR */
  logDir?: string;
  /**
   * kafka sends events to Kafka; false keeps each service's events in memory.
   * @defaultValue true
   */
  kafka?: boolean;
  /** env of the components; its *_SERVICE_URL variables choose the ports. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * meshComponents lists what `mesh up` starts, in start order (stopped in
 * reverse): the six reference services on the ports of the catalogue or of
 * their *_SERVICE_URL. The saga coordinator and the job workers belong at the
 * end of this list, once they exist, as MeshComponents of their own in
 * ComponentStages.CONSUMERS.
 */
export function meshComponents(options: MeshComponentsOptions = {}): MeshComponent[] {
  const logDir = options.logDir ?? DEFAULT_LOG_DIR;
  const env = options.env ?? process.env;
  return SERVICE_NAMES.map((name) => serviceComponent(name, { port: listenPortOf(name, env), logDir, env, kafka: options.kafka }));
}
