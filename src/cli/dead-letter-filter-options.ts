import type { Command } from 'commander';
import type { DeadLetterEntry, DeadLetterFilter } from '../replay/index.js';
import { parseTime } from './parse-time.js';

/** DeadLetterFilterOptions are the filter flags shared by `mesh dlq list` and `mesh dlq redrive`. */
export interface DeadLetterFilterOptions {
  type?: string[];
  code?: string[];
  since?: number;
  until?: number;
  /** record picks single dead letters by `<partition>:<offset>` in the DLQ. */
  record?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** addDeadLetterFilterOptions adds --type, --code, --since, --until and --record to a command. */
export function addDeadLetterFilterOptions(command: Command): Command {
  return command
    .option('--type <ce_type>', 'only this CloudEvents type (repeatable)', collect)
    .option('--code <error_code>', 'only this error code (repeatable)', collect)
    .option('--since <time>', 'failed at or after this ISO time', parseTime)
    .option('--until <time>', 'failed before this ISO time', parseTime)
    .option('--record <partition:offset>', 'only this dead letter of the DLQ (repeatable)', collect);
}

/** deadLetterFilter turns the flags into a DeadLetterFilter. */
export function deadLetterFilter(options: DeadLetterFilterOptions): DeadLetterFilter {
  const records = options.record ? new Set(options.record) : undefined;
  return {
    ...(options.type ? { type: options.type } : {}),
    ...(options.code ? { errorCode: options.code } : {}),
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.until === undefined ? {} : { until: options.until }),
    ...(records ? { where: (entry: DeadLetterEntry) => records.has(`${entry.partition}:${entry.offset}`) } : {}),
  };
}
