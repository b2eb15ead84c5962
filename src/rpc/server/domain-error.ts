import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema, type ErrorInfo } from '../../../gen/mesh/v1/error_details_pb.js';

/** DomainErrorOptions are the parts of a domain error besides its code and reason. */
export interface DomainErrorOptions {
  /** domain is the service that owns the reason, e.g. "billing". */
  domain?: string;
  /** metadata gives context, e.g. `{ escrow_id: "..." }`. */
  metadata?: Record<string, string>;
  /** cause is kept on the error for server-side logs; it never reaches the client. */
  cause?: unknown;
}

/**
 * createDomainError builds the ConnectError a handler throws for a business
 * rule: a Code plus a stable UPPER_SNAKE_CASE reason in a mesh.v1.ErrorInfo
 * detail, so callers branch on the reason instead of parsing the message.
 *
 * @example throw createDomainError(Code.FailedPrecondition, 'ESCROW_ALREADY_RELEASED', 'escrow was already released', { domain: 'billing' })
 */
export function createDomainError(code: Code, reason: string, message: string, options: DomainErrorOptions = {}): ConnectError {
  const info = { reason, domain: options.domain ?? '', metadata: options.metadata ?? {} };
  return new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: info }], options.cause);
}

/** errorInfoOf returns the mesh.v1.ErrorInfo detail of an error, if it has one. */
export function errorInfoOf(error: unknown): ErrorInfo | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  return error.findDetails(ErrorInfoSchema)[0];
}
