// Attribute names of the OpenTelemetry semantic conventions the toolkit uses.
// The RPC and messaging ones are still "incubating", and the semconv package
// advises copying such names rather than importing them, so they stay stable here.

/** RpcAttributes names the RPC span and metric attributes (semconv "rpc"). */
export const RpcAttributes = {
  SYSTEM: 'rpc.system',
  SERVICE: 'rpc.service',
  METHOD: 'rpc.method',
  GRPC_STATUS_CODE: 'rpc.grpc.status_code',
  CONNECT_RPC_ERROR_CODE: 'rpc.connect_rpc.error_code',
  /** The code's name (`OK`, `UNAVAILABLE`); one label for both protocols on metrics. */
  RESPONSE_STATUS_CODE: 'rpc.response.status_code',
  MESSAGE_TYPE: 'rpc.message.type',
  MESSAGE_ID: 'rpc.message.id',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  ERROR_TYPE: 'error.type',
} as const;

/** MessagingAttributes names the Kafka span and metric attributes (semconv "messaging"). */
export const MessagingAttributes = {
  SYSTEM: 'messaging.system',
  DESTINATION_NAME: 'messaging.destination.name',
  OPERATION_NAME: 'messaging.operation.name',
  OPERATION_TYPE: 'messaging.operation.type',
  KAFKA_DESTINATION_PARTITION: 'messaging.kafka.destination.partition',
  KAFKA_MESSAGE_OFFSET: 'messaging.kafka.message.offset',
  KAFKA_CONSUMER_GROUP: 'messaging.kafka.consumer.group',
  KAFKA_MESSAGE_KEY: 'messaging.kafka.message.key',
  KAFKA_MESSAGE_TOMBSTONE: 'messaging.kafka.message.tombstone',
} as const;

/** MeshAttributes names the toolkit's own attributes (jobs, sagas, resilience), under `mesh.`. */
export const MeshAttributes = {
  JOB_QUEUE: 'mesh.job.queue',
  JOB_NAME: 'mesh.job.name',
  JOB_ID: 'mesh.job.id',
  JOB_ATTEMPT: 'mesh.job.attempt',
  JOB_OUTCOME: 'mesh.job.outcome',
  SAGA_NAME: 'mesh.saga.name',
  SAGA_ID: 'mesh.saga.id',
  SAGA_STEP: 'mesh.saga.step',
  SAGA_PHASE: 'mesh.saga.phase',
  SAGA_STEP_ATTEMPT: 'mesh.saga.step.attempt',
  SAGA_OUTCOME: 'mesh.saga.outcome',
  RETRY_ATTEMPT: 'mesh.retry.attempt',
  RETRY_DELAY_MS: 'mesh.retry.delay_ms',
  RETRY_TARGET: 'mesh.retry.target',
  BREAKER_NAME: 'mesh.breaker.name',
  BREAKER_STATE: 'mesh.breaker.state',
  BREAKER_ENDPOINT: 'mesh.breaker.endpoint',
  BREAKER_RETRY_AFTER_MS: 'mesh.breaker.retry_after_ms',
  DEADLINE_REMAINING_MS: 'mesh.deadline.remaining_ms',
} as const;

/** MeshSpanEvents names the span events the toolkit records. */
export const MeshSpanEvents = {
  RPC_MESSAGE: 'rpc.message',
  RETRY_ATTEMPT: 'mesh.retry.attempt',
  BREAKER_REJECTION: 'mesh.breaker.rejection',
  DEADLINE_EXHAUSTED: 'mesh.deadline.exhausted',
} as const;
