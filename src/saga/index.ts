// Public API of the saga coordinator: typed definitions, the orchestrator
// with its durable Kafka saga log and crash recovery, and the contract saga.
export {
  CONTRACT_NOTIFY_JOB_NAME,
  CONTRACT_SAGA_NAME,
  CONTRACT_SAGA_STEPS,
  CONTRACT_SAGA_VERSION,
  DEFAULT_CONTRACT_POD_TEMPLATE_ID,
  NOTIFY_TOPIC_DATA_KEY,
  TRANSIENT_CODES,
  createContractSaga,
  isTransientError,
  type ContractSagaClients,
  type ContractSagaInput,
  type ContractSagaOptions,
  type ContractSagaOutput,
} from './contract-saga.js';
export { sagaOrchestrator } from './default-saga-orchestrator.js';
export { isOutcomeUnknown, OUTCOME_UNKNOWN_CODES } from './outcome-unknown.js';
export { jsonCodec, protobufCodec, type SagaCodec } from './saga-codec.js';
export {
  DEFAULT_COMPENSATION_MAX_ATTEMPTS,
  DEFAULT_SAGA_TIMEOUT_MS,
  DEFAULT_STEP_BACKOFF,
  DEFAULT_STEP_MAX_ATTEMPTS,
  DEFAULT_STEP_TIMEOUT_MS,
} from './saga-defaults.js';
export {
  defineSaga,
  type AnySagaDefinition,
  type AnySagaStep,
  type SagaBuilder,
  type SagaDefinition,
  type SagaInput,
  type SagaOptions,
  type SagaOutput,
  type SagaStep,
  type StepContext,
  type StepRetryPolicy,
} from './saga-definition.js';
export { SagaError, type SagaErrorCode } from './saga-error.js';
export { DEFAULT_SAGA_LOG_LINGER_MS, DEFAULT_SAGA_LOG_MODE, DEFAULT_SAGA_LOG_SEND_EARLY, type SagaLogMode } from './saga-log-mode.js';
export { inDoubtStep } from './in-doubt-step.js';
export { inDoubtSteps, type InDoubtSteps } from './in-doubt-steps.js';
export { executeSaga, sagaResultOf, startedTransition, type SagaExecutionDeps, type SagaExecutionState } from './saga-execution.js';
export { sagaCallOptions, sagaIdempotencyKey, type SagaCallOptions, type SagaPhase } from './saga-idempotency.js';
export { createSagaLog, DEFAULT_SAGA_LOG_COMMIT_WITHIN_MS, DEFAULT_SAGA_LOG_MAX_BATCH_BYTES, DEFAULT_SAGA_TRANSACTION_TIMEOUT_MS, SAGA_LOG_PRODUCER_RETRY, SAGA_RAN_AHEAD_HEADER, SAGA_SEQUENCE_HEADER, type SagaLog, type SagaLogAppendOptions, type SagaLogEntry, type SagaLogOptions } from './saga-log.js';
export { DEFAULT_SAGA_READER_GROUP_PREFIX, readSagaHistory, readSagaStates, type ReadSagaLogOptions, type StoredSaga } from './saga-log-reader.js';
export {
  createSagaOrchestrator,
  type ExecuteOptions,
  type SagaFilter,
  type SagaOrchestrator,
  type SagaTransitionEvent,
} from './saga-orchestrator.js';
export {
  DEFAULT_SAGA_CLIENT_ID,
  DEFAULT_SAGA_GROUP_ID,
  DEFAULT_SAGA_HEARTBEAT_INTERVAL_MS,
  DEFAULT_SAGA_REBALANCE_TIMEOUT_MS,
  DEFAULT_SAGA_SESSION_TIMEOUT_MS,
  type SagaOrchestratorOptions,
} from './saga-orchestrator-options.js';
export { SagaRegistry } from './saga-registry.js';
export type { SagaOutcome, SagaResult } from './saga-result.js';
export { TERMINAL_SAGA_STATUSES, applySagaTransition, foldSagaHistory, isSagaFinished, msOf, timestampOf } from './saga-state.js';
export { DEFAULT_SAGA_HISTORY_RETENTION_MS, DEFAULT_SAGA_PARTITIONS, DEFAULT_SAGA_TOPICS, sagaPartition, sagaTopicSpecs, type SagaTopics } from './saga-topics.js';
export { runStepAttempt, sleepUntilRetry, type StepAttemptLimits } from './step-attempt.js';
export { createSagaKafka, sagaLogCreator } from './saga-kafka.js';
export { createSagaService, DEFAULT_SAGA_PAGE_SIZE, MAX_SAGA_PAGE_SIZE, type SagaServiceOptions } from './saga-service.js';
export { awaitSagaJob, jobStep, type JobStepOptions, type JobStepResult, type SagaJobQueue } from './job-step.js';
export { createSagaJobQueue, DEFAULT_SAGA_JOB_WAIT_MS, type SagaJobQueueOptions } from './saga-job-queue.js';
export { createNotifyUserJobProcessor, DEFAULT_NOTIFY_TOPIC } from './notify-user-job-processor.js';
export { eventStep, type EventStepOptions } from './event-step.js';
export {
  createSagaEventWaiter,
  DEFAULT_SAGA_EVENT_BUFFER_SIZE,
  DEFAULT_SAGA_EVENT_CLOCK_SKEW_MS,
  DEFAULT_SAGA_EVENT_LOOKBACK_MS,
  type SagaEventWait,
  type SagaEventWaiter,
  type SagaEventWaiterOptions,
} from './saga-event-waiter.js';
