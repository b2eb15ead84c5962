import { InvalidArgumentError } from 'commander';

/** parseTime is a commander option parser for an ISO-8601 time (or epoch milliseconds), giving epoch milliseconds. */
export function parseTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected an ISO-8601 time, e.g. 2026-11-23T09:00:00Z');
  return ms;
}
