import type { Kafka } from 'kafkajs';
import { deadLetterTopic } from '../events/dead-letter-headers.js';
import { matchesDeadLetter, parseDeadLetter, type DeadLetterEntry, type DeadLetterFilter } from './dead-letter-entry.js';
import { replay } from './replay.js';
import { ReplayError, ReplayErrorCode } from './replay-error.js';

/** DEFAULT_DEAD_LETTER_LIST_LIMIT caps how many entries listDeadLetters returns. */
export const DEFAULT_DEAD_LETTER_LIST_LIMIT = 100;

/** DeadLetterTopicOptions names a dead-letter topic: by the topic it serves, or directly. */
export type DeadLetterTopicOptions = { topic: string; dlqTopic?: undefined } | { dlqTopic: string; topic?: undefined };

/** ListDeadLettersOptions configures listDeadLetters. */
export type ListDeadLettersOptions = DeadLetterTopicOptions & {
  /** @defaultValue DEFAULT_DEAD_LETTER_LIST_LIMIT */
  limit?: number;
  filter?: DeadLetterFilter;
  /** @defaultValue createKafka({ clientId: 'mesh-replay' }) */
  kafka?: Kafka;
};

/** DeadLetterList is a page of dead letters, oldest first, and how many matched in all. */
export interface DeadLetterList {
  dlqTopic: string;
  /** Matching dead letters in the topic (may exceed entries.length). */
  total: number;
  entries: DeadLetterEntry[];
}

/** resolveDeadLetterTopic returns the DLQ named by the options. */
export function resolveDeadLetterTopic(options: DeadLetterTopicOptions): string {
  if (options.dlqTopic !== undefined) return options.dlqTopic;
  if (options.topic !== undefined) return deadLetterTopic(options.topic);
  throw new ReplayError(ReplayErrorCode.INVALID_ARGUMENT, 'name a topic or a dlqTopic');
}

/**
 * listDeadLetters reads a whole dead-letter topic (through replay, so no
 * group's offsets move) and returns the matching entries ordered by time,
 * then partition and offset. A DLQ that was never created lists as empty.
 */
export async function listDeadLetters(options: ListDeadLettersOptions): Promise<DeadLetterList> {
  const dlqTopic = resolveDeadLetterTopic(options);
  const limit = options.limit ?? DEFAULT_DEAD_LETTER_LIST_LIMIT;
  const matching: DeadLetterEntry[] = [];
  try {
    await replay({
      topics: [dlqTopic],
      ...(options.kafka ? { kafka: options.kafka } : {}),
      handler: async (record) => {
        const entry = parseDeadLetter(record);
        if (matchesDeadLetter(entry, options.filter)) matching.push(entry);
      },
    });
  } catch (error) {
    if (error instanceof ReplayError && error.code === ReplayErrorCode.UNKNOWN_TOPIC) return { dlqTopic, total: 0, entries: [] };
    throw error;
  }
  matching.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return { dlqTopic, total: matching.length, entries: matching.slice(0, limit) };
}
