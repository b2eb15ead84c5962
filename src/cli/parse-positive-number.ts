import { InvalidArgumentError } from 'commander';

/** parsePositiveNumber is a commander option parser for a number greater than zero (a rate, a count). */
export function parsePositiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number greater than 0');
  return number;
}
