import { InvalidArgumentError } from 'commander';

/** MIN_INTERVAL_MS is the smallest interval or timeout an option accepts, so a typo cannot make a busy loop. */
export const MIN_INTERVAL_MS = 50;

/** parseMilliseconds is a commander option parser for a whole number of milliseconds, at least MIN_INTERVAL_MS. */
export function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < MIN_INTERVAL_MS) throw new InvalidArgumentError(`expected whole milliseconds, at least ${MIN_INTERVAL_MS}`);
  return ms;
}
