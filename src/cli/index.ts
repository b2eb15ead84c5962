// What other parts of the project may need of the `mesh` CLI: the component
// model `mesh up` starts (to add the saga coordinator and job workers) and
// the health probe. The commands themselves are only reached through main.ts.
export { ComponentStages, type ComponentStatus, type MeshComponent, type RunningComponent } from './mesh-component.js';
export { DEFAULT_LOG_DIR, meshComponents, type MeshComponentsOptions } from './mesh-components.js';
export { SERVICE_MAIN, serviceComponent, type ServiceComponentOptions } from './service-component.js';
export { DEFAULT_ANNOUNCE_TIMEOUT_MS, spawnComponent, STDERR_TAIL_LINES, STDIO_DRAIN_MS, type SpawnComponentOptions, type SpawnedComponent } from './spawn-component.js';
export { childExit, DEFAULT_STOP_TIMEOUT_MS, stopChildProcess, type ChildExit } from './stop-child-process.js';
export { startComponents, stopComponents, type StartComponentsOptions } from './start-components.js';
export { createHealthProbe, DEFAULT_HEALTH_TIMEOUT_MS, type HealthProbe, type HealthProbeOptions, type HealthReport, type HealthState } from './health-probe.js';
export { DEFAULT_SERVING_TIMEOUT_MS, SERVING_POLL_INTERVAL_MS, waitUntilServing } from './wait-until-serving.js';
export { MAX_LAG_GROUPS, readConsumerLag, type ConsumerLagReading, type GroupLag } from './consumer-lag.js';
export { CliError, type CliErrorCode } from './cli-error.js';
