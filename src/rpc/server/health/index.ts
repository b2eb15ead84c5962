export { HealthRegistry, OVERALL_HEALTH, ServingStatus } from './health-registry.js';
export { createHealthService } from './health-service.js';
