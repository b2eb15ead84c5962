import { ConnectError } from '@connectrpc/connect';
import { RetryInfoSchema } from '../../../gen/mesh/v1/error_details_pb.js';

/**
 * retryDelayFromError returns the delay, in milliseconds, a server asked for
 * in a `mesh.v1.RetryInfo` error detail, or undefined when there is none.
 */
export function retryDelayFromError(error: unknown): number | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  const [info] = error.findDetails(RetryInfoSchema);
  const delay = info?.retryDelay;
  if (!delay) return undefined;
  const ms = Number(delay.seconds) * 1000 + delay.nanos / 1e6;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
