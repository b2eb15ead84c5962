import type { Kafka, Producer } from 'kafkajs';
import { DeadLetterHeaders } from '../events/dead-letter-headers.js';
import { createKafka } from '../kafka/create-kafka.js';
import { matchesDeadLetter, parseDeadLetter, type DeadLetterEntry, type DeadLetterFilter } from './dead-letter-entry.js';
import { resolveDeadLetterTopic, type DeadLetterTopicOptions } from './list-dead-letters.js';
import { replay, DEFAULT_REPLAY_CLIENT_ID } from './replay.js';
import type { ReplayProgress } from './replay-progress.js';
import type { ReplaySummary } from './replay-summary.js';

/** RedriveDeadLettersOptions configures redriveDeadLetters. */
export type RedriveDeadLettersOptions = DeadLetterTopicOptions & {
  filter?: DeadLetterFilter;
  /**
   * List what would be moved, write nothing.
   * @defaultValue false
   */
  dryRun?: boolean;
  /** Records per second at most; unlimited when absent. */
  rateLimit?: number;
  onProgress?: (progress: ReplayProgress) => void;
  signal?: AbortSignal;
  /** @defaultValue createKafka({ clientId: 'mesh-replay' }) */
  kafka?: Kafka;
};

/** RedrivenDeadLetter is one dead letter sent back (or, in a dry run, that would be). */
export interface RedrivenDeadLetter {
  entry: DeadLetterEntry;
  /** Where the record now is in its origin topic; undefined in a dry run. */
  partition: number | undefined;
  offset: string | undefined;
}

/** DeadLetterRedrive is what redriveDeadLetters did. */
export interface DeadLetterRedrive {
  dlqTopic: string;
  dryRun: boolean;
  /** Dead letters read. */
  scanned: number;
  /** Dead letters matching the filter, in the order they were sent. */
  moved: RedrivenDeadLetter[];
  /**
   * Dead letters matching the filter that stay where they are: their value was
   * cut to fit the DLQ (`originalValueBytes`), so sending them back would put a
   * different record on the origin topic.
   */
  unrestorable: DeadLetterEntry[];
  /** The read of the DLQ. */
  replay: ReplaySummary;
}

/**
 * redriveDeadLetters sends the matching records of a dead-letter topic back to
 * their origin topic with their original key, value and headers: the
 * dead-letter headers are removed and DeadLetterHeaders.REDRIVE_COUNT is set
 * one higher than before, so a record that keeps failing can be spotted. The
 * record is partitioned by its key again (the same partition as before unless
 * the topic grew). Kafka cannot delete single records, so the dead letters stay
 * in the DLQ; the returned entries (DLQ partition/offset) tell what was moved.
 * A dead letter whose value was cut to fit the DLQ is never sent back; it is
 * reported in `unrestorable`.
 */
export async function redriveDeadLetters(options: RedriveDeadLettersOptions): Promise<DeadLetterRedrive> {
  const dlqTopic = resolveDeadLetterTopic(options);
  const dryRun = options.dryRun ?? false;
  const kafka = options.kafka ?? createKafka({ clientId: DEFAULT_REPLAY_CLIENT_ID });
  let producer: Producer | undefined;
  if (!dryRun) {
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
  }
  const moved: RedrivenDeadLetter[] = [];
  const unrestorable: DeadLetterEntry[] = [];
  let scanned = 0;
  try {
    const summary = await replay({
      kafka,
      topics: [dlqTopic],
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      handler: async (record) => {
        scanned++;
        const entry = parseDeadLetter(record);
        if (!matchesDeadLetter(entry, options.filter)) return;
        if (entry.originalValueBytes !== undefined) {
          unrestorable.push(entry);
          return;
        }
        if (!producer) {
          moved.push({ entry, partition: undefined, offset: undefined });
          return;
        }
        const [written] = await producer.send({
          topic: entry.originTopic,
          acks: -1,
          messages: [{ key: entry.key, value: entry.value, headers: { ...entry.headers, [DeadLetterHeaders.REDRIVE_COUNT]: String(entry.redriveCount + 1) } }],
        });
        moved.push({ entry, partition: written?.partition, offset: written?.baseOffset });
      },
    });
    return { dlqTopic, dryRun, scanned, moved, unrestorable, replay: summary };
  } finally {
    await producer?.disconnect();
  }
}
