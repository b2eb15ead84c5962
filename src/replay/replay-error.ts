import type { ReplaySummary } from './replay-summary.js';

/** ReplayErrorCode lists the stable codes of ReplayError. */
export const ReplayErrorCode = {
  /** The caller's AbortSignal fired; `summary` says how far the replay got. */
  ABORTED: 'ABORTED',
  /** The handler (or the producer of `into`) threw; `cause` is its error, `summary` the work done before. */
  HANDLER_FAILED: 'HANDLER_FAILED',
  /** A consumer group still has members, so its offsets cannot be reset. */
  GROUP_ACTIVE: 'GROUP_ACTIVE',
  /** A topic or partition named in the request does not exist. */
  UNKNOWN_TOPIC: 'UNKNOWN_TOPIC',
  /** A from/to position or an option is malformed. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A projection was asked to catch up while it is not following its topics. */
  NOT_RUNNING: 'NOT_RUNNING',
  /** The Kafka consumer stopped and would not restart. */
  CONSUMER_CRASHED: 'CONSUMER_CRASHED',
} as const;

/** ReplayErrorCode is one of the stable codes of ReplayError. */
export type ReplayErrorCode = (typeof ReplayErrorCode)[keyof typeof ReplayErrorCode];

/** ReplayErrorOptions carries what a ReplayError knows beyond its message. */
export interface ReplayErrorOptions {
  cause?: unknown;
  /** What had been done when the replay stopped. */
  summary?: ReplaySummary;
  /** For GROUP_ACTIVE: the group's state and member count when it was refused. */
  group?: { groupId: string; state: string; members: number };
}

/**
 * ReplayError is the one error class of src/replay; `code` is stable and is
 * what callers (and the CLI) branch on.
 */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  readonly code: ReplayErrorCode;
  readonly summary: ReplaySummary | undefined;
  readonly group: ReplayErrorOptions['group'];
  /** The message without the `[code]` prefix. */
  readonly rawMessage: string;

  constructor(code: ReplayErrorCode, message: string, options: ReplayErrorOptions = {}) {
    super(`[${code}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.rawMessage = message;
    this.summary = options.summary;
    this.group = options.group;
  }

  /** withSummary returns the same error carrying `summary`. */
  withSummary(summary: ReplaySummary): ReplayError {
    return new ReplayError(this.code, this.rawMessage, { cause: this.cause, summary, group: this.group });
  }
}
