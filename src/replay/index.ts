// Public API of replay for recovery: read any topic by offset or time into a
// handler or another topic, reset stopped groups, redrive dead letters, and
// rebuild projections.
export { DEFAULT_READER_MAX_WAIT_MS } from './assigned-reader.js';
export { COMMIT_GROUP_OFFSETS_MAX_WAIT_MS } from './commit-group-offsets.js';
export { replay, DEFAULT_REPLAY_CLIENT_ID } from './replay.js';
export { ReplayError, ReplayErrorCode, type ReplayErrorOptions } from './replay-error.js';
export {
  DEFAULT_REPLAY_FROM,
  DEFAULT_REPLAY_GROUP_PREFIX,
  DEFAULT_REPLAY_TO,
  type ReplayHandler,
  type ReplayHandlerContext,
  type ReplayIntoTopic,
  type ReplayOptions,
} from './replay-options.js';
export { toEpochMs, toOffset, type OffsetValue, type ReplayPosition, type TimeValue } from './replay-position.js';
export { DEFAULT_PROGRESS_INTERVAL_MS, type ReplayProgress } from './replay-progress.js';
export { headerText, toReplayRecord, type RecordHeaders, type ReplayRecord } from './replay-record.js';
export type { PartitionReplaySummary, ReplaySummary } from './replay-summary.js';
export type { PartitionWindow, ReplayTopic } from './resolve-partition-windows.js';
export { createTokenBucket, DEFAULT_TOKEN_BUCKET_BURST, type TokenBucket, type TokenBucketOptions } from './token-bucket.js';
export {
  GROUP_INACTIVE_STATES,
  resetConsumerGroup,
  type ConsumerGroupReset,
  type PartitionReset,
  type ResetConsumerGroupOptions,
  type ResetTarget,
} from './reset-consumer-group.js';
export { matchesDeadLetter, parseDeadLetter, type DeadLetterEntry, type DeadLetterFilter } from './dead-letter-entry.js';
export {
  DEFAULT_DEAD_LETTER_LIST_LIMIT,
  listDeadLetters,
  resolveDeadLetterTopic,
  type DeadLetterList,
  type DeadLetterTopicOptions,
  type ListDeadLettersOptions,
} from './list-dead-letters.js';
export {
  redriveDeadLetters,
  type DeadLetterRedrive,
  type RedriveDeadLettersOptions,
  type RedrivenDeadLetter,
} from './redrive-dead-letters.js';
export {
  createProjection,
  DEFAULT_PROJECTION_GROUP_PREFIX,
  DEFAULT_PROJECTION_POLL_MS,
  type Projection,
  type ProjectionOptions,
} from './projection.js';
export { stableSerialize } from './stable-serialize.js';
