import { InvalidArgumentError } from 'commander';

/** collectHeader is a repeatable commander option parser for `--header name:value`, collecting [name, value] pairs. */
export function collectHeader(value: string, previous: [string, string][] = []): [string, string][] {
  const colon = value.indexOf(':');
  const name = colon > 0 ? value.slice(0, colon).trim() : '';
  if (!name) throw new InvalidArgumentError('expected name:value, e.g. --header x-request-id:abc');
  return [...previous, [name, value.slice(colon + 1).trim()]];
}
