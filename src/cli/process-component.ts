import { join } from 'node:path';
import type { MeshComponent, RunningComponent } from './mesh-component.js';
import { spawnComponent } from './spawn-component.js';
import type { ChildExit } from './stop-child-process.js';

/** ProcessComponentOptions configure processComponent. */
export interface ProcessComponentOptions {
  name: string;
  /** kind labels it in the status table ('saga', 'jobs'). */
  kind: string;
  /** stage is one of ComponentStages. */
  stage: number;
  /** script is the entry point; it prints one JSON line when ready. */
  script: string;
  logDir: string;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue DEFAULT_ANNOUNCE_TIMEOUT_MS */
  announceTimeoutMs?: number;
  /** @defaultValue DEFAULT_STOP_TIMEOUT_MS */
  stopTimeoutMs?: number;
}

/**
 * processComponent runs a component that serves no RPCs (the saga
 * coordinator, the job workers) as a child process: ready once it prints its
 * JSON line, RUNNING while its process lives, EXITED after.
 */
export function processComponent(options: ProcessComponentOptions): MeshComponent {
  return {
    name: options.name,
    kind: options.kind,
    stage: options.stage,
    async start(signal?: AbortSignal): Promise<RunningComponent> {
      const startedAt = Date.now();
      const spawned = await spawnComponent<Record<string, unknown>>({
        name: options.name,
        script: options.script,
        logFile: join(options.logDir, `${options.name}.log`),
        env: options.env,
        announceTimeoutMs: options.announceTimeoutMs,
        signal,
      });
      let exit: ChildExit | undefined;
      void spawned.exited.then((how) => (exit = how));
      return {
        name: options.name,
        kind: options.kind,
        stage: options.stage,
        pid: spawned.pid,
        logFile: spawned.logFile,
        readyMs: Date.now() - startedAt,
        exited: spawned.exited,
        async status() {
          if (exit) return { health: 'EXITED', detail: exit.signal ?? `code ${exit.code}` };
          return { health: 'RUNNING' };
        },
        stop: () => spawned.stop(options.stopTimeoutMs),
      };
    },
  };
}
