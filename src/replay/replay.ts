import type { Message, Producer } from 'kafkajs';
import { createKafka } from '../kafka/create-kafka.js';
import { openAssignedReader, type ReaderBatch } from './assigned-reader.js';
import { ReplayError, ReplayErrorCode } from './replay-error.js';
import {
  DEFAULT_REPLAY_FROM,
  DEFAULT_REPLAY_GROUP_PREFIX,
  DEFAULT_REPLAY_TO,
  type ReplayIntoTopic,
  type ReplayOptions,
} from './replay-options.js';
import { createProgressMeter, DEFAULT_PROGRESS_INTERVAL_MS } from './replay-progress.js';
import { toReplayRecord, type ReplayRecord } from './replay-record.js';
import type { ReplaySummary } from './replay-summary.js';
import { createReplayTally } from './replay-tally.js';
import { assertTopicsExist, resolvePartitionWindows, type PartitionWindow } from './resolve-partition-windows.js';
import { createTokenBucket, type TokenBucket } from './token-bucket.js';

// kafkajs' heartbeat() is itself throttled to its heartbeatInterval; checking the time first saves an await per record.
const HANDLER_HEARTBEAT_CHECK_MS = 1000;
// How often the handler loop passes its count on to the tally and the progress meter (which reports every second at most).
const PROGRESS_TICK_MS = 100;

/** DEFAULT_REPLAY_CLIENT_ID names replay's connections when no Kafka client is given. */
export const DEFAULT_REPLAY_CLIENT_ID = 'mesh-replay';

/**
 * replay reads a window of one or more topics, by offset or by time, and hands
 * each raw record to a handler or copies it into another topic.
 *
 * - Windows are half-open: `from` inclusive, `to` exclusive, for offsets and
 *   timestamps alike, so consecutive windows neither overlap nor leave gaps.
 *   Every end is resolved once at the start (a 'latest' end is the high
 *   watermark then), so a replay of a live topic ends.
 * - It reads through a throwaway consumer group that never commits and is
 *   deleted at the end (see openAssignedReader): live groups' offsets never move.
 * - A time window is the offset range from the first record at or after
 *   `from` to the first record at or after `to` (the broker's time index), and
 *   within it only records with from <= timestamp < to are delivered: with
 *   CreateTime, timestamps need not grow with offsets, and a late record
 *   stamped inside the window but written after the first record at or after
 *   `to` is not delivered.
 * - Records of one partition arrive in offset order; partitions are read one
 *   batch at a time, interleaved.
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const { signal, dryRun = false } = options;
  if ((options.handler === undefined) === (options.into === undefined)) {
    throw new ReplayError(ReplayErrorCode.INVALID_ARGUMENT, 'give replay either a handler or an `into` topic');
  }
  if (signal?.aborted) throw aborted(signal, emptySummary(dryRun, new Date(), performance.now()));
  const kafka = options.kafka ?? createKafka({ clientId: DEFAULT_REPLAY_CLIENT_ID });
  const startedAt = new Date();
  const started = performance.now();
  const admin = kafka.admin();
  await admin.connect();
  let producer: Producer | undefined;
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    const topics = options.topics.map((entry) => (typeof entry === 'string' ? { topic: entry } : entry));
    const windows = await resolvePartitionWindows(admin, topics, options.from ?? DEFAULT_REPLAY_FROM, options.to ?? DEFAULT_REPLAY_TO);
    const into = typeof options.into === 'string' ? { topic: options.into } : options.into;
    if (into) await assertTopicsExist(admin, [into.topic], 'target topic');
    if (into && !dryRun) {
      producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
      await producer.connect();
    }
    const run = createReplayTally(windows, dryRun, startedAt, started);
    const total = windows.reduce((sum, window) => sum + Number(window.end - window.start), 0);
    const meter = createProgressMeter(total, options.onProgress, options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS);
    const bucket = options.rateLimit === undefined || dryRun ? undefined : createTokenBucket({ ratePerSecond: options.rateLimit });
    // One options object for every handler call.
    const handlerOptions = { signal: controller.signal };

    const deliver = async (batch: ReaderBatch) => {
      const window = run.window(batch.topic, batch.partition);
      const records = batch.messages.map((message) => toReplayRecord(batch.topic, batch.partition, message));
      const timed = window.fromTime !== undefined || window.toTime !== undefined;
      const inWindow = timed ? records.filter((record) => inTimeWindow(window, record)) : records;
      run.skip(window, records.length - inWindow.length);
      if (dryRun) {
        for (const record of inWindow) run.deliver(record);
      } else if (producer && into) {
        // Under a rate limit, send about a second's worth at a time and heartbeat in between,
        // so a large batch never waits longer than the session timeout.
        const chunkSize = options.rateLimit === undefined ? inWindow.length : Math.max(1, Math.ceil(options.rateLimit));
        for (let index = 0; index < inWindow.length; index += chunkSize) {
          const chunk = inWindow.slice(index, index + chunkSize);
          await bucket?.take(chunk.length, controller.signal);
          await producer.send({ topic: into.topic, acks: -1, messages: chunk.map((record) => copyOf(record, into)) });
          for (const record of chunk) run.deliver(record);
          await batch.heartbeat();
        }
      } else if (options.handler) {
        const handler = options.handler;
        let lastBeat = performance.now();
        let lastTick = lastBeat;
        // Delivered but not yet told to the tally and the meter: they learn it
        // every PROGRESS_TICK_MS and when the batch ends or fails, not per record.
        let unreported = 0;
        const report = () => {
          if (unreported === 0) return;
          run.deliverRun(inWindow, delivered - unreported, unreported);
          // Counted as one offset each now; the batch's gaps and skipped records are added below.
          meter.advance(unreported, unreported);
          unreported = 0;
        };
        let delivered = 0;
        try {
          for (const record of inWindow) {
            if (controller.signal.aborted) throw controller.signal.reason;
            // Without a rate limit there is nothing to wait for: no await, no microtask turn.
            if (bucket) await bucket.take(1, controller.signal);
            try {
              await handler(record, handlerOptions);
            } catch (error) {
              throw new ReplayError(ReplayErrorCode.HANDLER_FAILED, `handler failed on ${record.topic}/${record.partition}@${record.offset}: ${String(error)}`, { cause: error });
            }
            delivered++;
            unreported++;
            const now = performance.now();
            if (now - lastTick >= PROGRESS_TICK_MS) {
              lastTick = now;
              report();
            }
            if (now - lastBeat >= HANDLER_HEARTBEAT_CHECK_MS) {
              lastBeat = now;
              await batch.heartbeat();
            }
          }
        } finally {
          report();
        }
      }
      const lastRead = records.at(-1);
      const handled = options.handler && !dryRun ? inWindow.length : 0;
      const covered = lastRead ? run.cover(window, BigInt(lastRead.offset) + 1n) : 0;
      meter.advance(covered - handled, inWindow.length - handled);
    };

    const toRead = windows.filter((window) => window.start < window.end);
    if (toRead.length === 0) {
      meter.flush();
      return run.summary(undefined);
    }
    const reader = await openAssignedReader({
      kafka,
      admin,
      partitions: toRead,
      groupIdPrefix: options.groupIdPrefix ?? DEFAULT_REPLAY_GROUP_PREFIX,
      onBatch: deliver,
    });
    const outcome = await Promise.race([reader.finished, abortion(controller.signal)]).then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    // Closing waits for the batch in progress, so the summary below is final.
    await reader.close();
    if (!outcome.ok) {
      const summary = run.summary(reader.groupId);
      if (signal?.aborted) throw aborted(signal, summary);
      if (outcome.error instanceof ReplayError) throw outcome.error.withSummary(summary);
      throw new ReplayError(ReplayErrorCode.HANDLER_FAILED, String(outcome.error), { cause: outcome.error, summary });
    }
    // Gaps (compaction, transaction markers) and skipped tails count as covered once every window is done.
    meter.advance(Math.max(0, total - run.covered()), 0);
    run.completeAll();
    meter.flush();
    return run.summary(reader.groupId);
  } finally {
    signal?.removeEventListener('abort', forwardAbort);
    await producer?.disconnect();
    await admin.disconnect();
  }
}

function inTimeWindow(window: PartitionWindow, record: ReplayRecord): boolean {
  const timestamp = Number(record.timestamp);
  return (window.fromTime === undefined || timestamp >= window.fromTime) && (window.toTime === undefined || timestamp < window.toTime);
}

function copyOf(record: ReplayRecord, into: ReplayIntoTopic): Message {
  return {
    key: record.key,
    value: record.value,
    headers: record.headers,
    ...(into.keepTimestamp ? { timestamp: record.timestamp } : {}),
    ...(into.keepPartition ? { partition: record.partition } : {}),
  };
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function aborted(signal: AbortSignal, summary: ReplaySummary): ReplayError {
  return new ReplayError(ReplayErrorCode.ABORTED, 'replay aborted', { cause: signal.reason, summary });
}

function emptySummary(dryRun: boolean, startedAt: Date, started: number): ReplaySummary {
  return createReplayTally([], dryRun, startedAt, started).summary(undefined);
}
