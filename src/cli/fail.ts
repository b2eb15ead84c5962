import { ConnectError } from '@connectrpc/connect';
import { LocalBrokerError } from '../kafka/local-broker-error.js';
import { CliError } from './cli-error.js';
import { describeKnownError } from './describe-known-error.js';

/**
 * fail prints one clear line for a known error (and its detail below it for
 * the curious) and exits non-zero; unknown errors keep their stack.
 */
export function fail(error: unknown): never {
  const known = error instanceof CliError || error instanceof LocalBrokerError ? error : describeKnownError(error);
  if (known instanceof LocalBrokerError || known instanceof CliError) {
    const [headline, ...detail] = known.message.split('\n');
    process.stderr.write(`mesh: ${headline} [${known.code}]\n`);
    if (detail.length > 0) process.stderr.write(`${detail.join('\n')}\n`);
  } else if (error instanceof ConnectError) {
    process.stderr.write(`mesh: ${error.message}\n`);
  } else {
    process.stderr.write(`mesh: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
}
