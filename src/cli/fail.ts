import { LocalBrokerError } from '../kafka/local-broker-error.js';
import { CliError } from './cli-error.js';

/**
 * fail prints one clear line for a known error (and its detail below it for
 * the curious) and exits non-zero; unknown errors keep their stack.
 */
export function fail(error: unknown): never {
  if (error instanceof LocalBrokerError || error instanceof CliError) {
    const [headline, ...detail] = error.message.split('\n');
    process.stderr.write(`mesh: ${headline} [${error.code}]\n`);
    if (detail.length > 0) process.stderr.write(`${detail.join('\n')}\n`);
  } else {
    process.stderr.write(`mesh: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
}
