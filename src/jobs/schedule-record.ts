import { Cron } from 'croner';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { JobError } from './job-error.js';
import { headerText, JobHeaders } from './job-headers.js';

/**
 * ScheduleHeaders are what a record of the schedule topic carries besides
 * the job's own headers (JobHeaders) and payload: when to fire, or the cron
 * pattern of a recurring job and the last tick fired.
 */
export const ScheduleHeaders = {
  /** Epoch milliseconds of a one-shot schedule. */
  RUN_AT: 'schedule-run-at',
  /** Cron pattern of a recurring schedule (5 or 6 fields, seconds first when 6). */
  CRON: 'schedule-cron',
  /** IANA time zone the pattern is read in. */
  TIME_ZONE: 'schedule-tz',
  /** Epoch milliseconds of the last tick fired, written in the same transaction as that tick's job. */
  LAST_TICK: 'schedule-last-tick',
} as const;

/** ScheduleEntry is one pending schedule as the scheduler keeps it in memory. */
export interface ScheduleEntry {
  id: string;
  queue: string;
  value: Buffer | null;
  headers: IHeaders;
  runAt: number | undefined;
  cron: string | undefined;
  timeZone: string | undefined;
  lastTick: number | undefined;
  /** When the record was written: a recurring schedule's first tick comes after it. */
  writtenAt: number;
  /** The next time to fire. */
  dueAt: number;
}

/** parseCron checks a cron pattern and time zone with croner, so a bad one fails at the caller instead of in the scheduler. */
export function parseCron(pattern: string, timeZone?: string): Cron {
  try {
    return new Cron(pattern, { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
  } catch (error) {
    throw new JobError('INVALID_OPTION', `bad cron pattern ${JSON.stringify(pattern)}${timeZone ? ` in ${timeZone}` : ''}: ${(error as Error).message}`, { cause: error });
  }
}

/** nextTickAfter returns the first tick of a cron pattern strictly after `after` (epoch ms), or undefined when there is none. */
export function nextTickAfter(cron: Cron, after: number): number | undefined {
  return cron.nextRun(new Date(after))?.getTime();
}

/**
 * latestDueTick returns the tick to fire now: the latest tick not after
 * `now` that comes after `from`. Ticks missed while no scheduler ran are
 * collapsed into this one, as BullMQ's repeatable jobs do.
 */
export function latestDueTick(cron: Cron, from: number, now: number): number | undefined {
  const first = nextTickAfter(cron, from);
  if (first === undefined || first > now) return undefined;
  const latest = cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
  return latest !== undefined && latest > first ? latest : first;
}

/** parseScheduleRecord reads a live record of the schedule topic (not a tombstone). */
export function parseScheduleRecord(message: KafkaMessage): ScheduleEntry {
  const id = message.key?.toString();
  const headers = message.headers ?? {};
  const queue = headerText(headers, JobHeaders.QUEUE);
  if (!id || !queue) throw new JobError('DECODE_FAILED', 'a schedule record needs a key and a job-queue header');
  const number = (name: string) => {
    const text = headerText(headers, name);
    return text === undefined ? undefined : Number(text);
  };
  const entry: ScheduleEntry = {
    id,
    queue,
    value: message.value,
    headers,
    runAt: number(ScheduleHeaders.RUN_AT),
    cron: headerText(headers, ScheduleHeaders.CRON),
    timeZone: headerText(headers, ScheduleHeaders.TIME_ZONE),
    lastTick: number(ScheduleHeaders.LAST_TICK),
    writtenAt: Number(message.timestamp),
    dueAt: Number.POSITIVE_INFINITY,
  };
  entry.dueAt = dueTime(entry);
  return entry;
}

/** dueTime is when an entry fires next: its run time, or its next cron tick after the last one fired (or after it was written). */
export function dueTime(entry: ScheduleEntry): number {
  if (entry.cron === undefined) return entry.runAt ?? Number.POSITIVE_INFINITY;
  const cron = parseCron(entry.cron, entry.timeZone);
  return nextTickAfter(cron, entry.lastTick ?? entry.writtenAt) ?? Number.POSITIVE_INFINITY;
}
