import type { ChildExit } from './stop-child-process.js';

/** ComponentStatus is one row of the live status table. */
export interface ComponentStatus {
  /** health is what the component reports: a grpc.health.v1 status, UNREACHABLE, or EXITED. */
  health: string;
  /** breaker is the state of the CLI's own circuit breaker towards the component, when it calls it. */
  breaker?: string;
  /** inFlight counts the calls a service is serving now (mesh.v1.ServerStatusService). */
  inFlight?: number;
  /** breakers summarizes the component's own outgoing circuit breakers, e.g. "billing OPEN, 3 CLOSED". */
  breakers?: string;
  detail?: string;
}

/** RunningComponent is a started part of the mesh that `mesh up` watches and stops. */
export interface RunningComponent {
  readonly name: string;
  /** kind groups components in the table: 'service' (later also the saga coordinator, job workers...). */
  readonly kind: string;
  /** stage is the ComponentStages value it was started in. */
  readonly stage: number;
  readonly pid: number;
  readonly url?: string;
  readonly logFile?: string;
  /** readyMs is how long the start took, from spawn to ready. */
  readonly readyMs: number;
  /** exited resolves when the component's process exits. */
  readonly exited: Promise<ChildExit>;
  status(): Promise<ComponentStatus>;
  /** stop shuts the component down gracefully (SIGTERM), killing it after the timeout. */
  stop(): Promise<ChildExit>;
}

/**
 * ComponentStages order the start: the components of one stage start
 * together, a stage starts once the previous one is ready, and `mesh up`
 * stops them in reverse. Services come first; what consumes events or jobs
 * and calls services (saga coordinator, job workers) comes after.
 */
export const ComponentStages = {
  SERVICES: 0,
  CONSUMERS: 1,
} as const;

/**
 * MeshComponent is one part of the mesh `mesh up` starts: a reference
 * service today; the saga coordinator and job workers join the list in
 * meshComponents as they are written.
 */
export interface MeshComponent {
  readonly name: string;
  readonly kind: string;
  /** stage is when it starts, one of ComponentStages. */
  readonly stage: number;
  /**
   * start launches the component and resolves once it is ready; it throws a
   * CliError, leaving nothing running, when it cannot start. When `signal`
   * aborts (another component failed), it stops what it launched and rejects
   * with the signal's reason.
   */
  start(signal?: AbortSignal): Promise<RunningComponent>;
}
