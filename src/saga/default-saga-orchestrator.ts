import { createSagaOrchestrator } from './saga-orchestrator.js';

/**
 * sagaOrchestrator is the process-wide coordinator of the older design's API
 * (`sagaOrchestrator.register(...)`, `sagaOrchestrator.execute(...)`), with
 * every default: KAFKA_BROKERS, the DEFAULT_SAGA_TOPICS, DEFAULT_SAGA_GROUP_ID.
 * Creating it does no I/O; the first execute (or start) connects.
 */
export const sagaOrchestrator = createSagaOrchestrator();
