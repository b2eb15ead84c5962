import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { BadRequest_FieldViolationSchema, BadRequestSchema, ErrorInfoSchema } from '../../../gen/mesh/v1/error_details_pb.js';

/** ErrorReasons are the stable `mesh.v1.ErrorInfo.reason` values the reference services raise. */
export const ErrorReasons = {
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_STATE: 'INVALID_STATE',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  BID_ON_OWN_JOB: 'BID_ON_OWN_JOB',
  BID_JOB_MISMATCH: 'BID_JOB_MISMATCH',
  RESERVATION_MISMATCH: 'RESERVATION_MISMATCH',
  RESERVATION_EXPIRED: 'RESERVATION_EXPIRED',
  REFUND_EXCEEDS_PAYMENT: 'REFUND_EXCEEDS_PAYMENT',
  DAILY_MINUTES_EXCEEDED: 'DAILY_MINUTES_EXCEEDED',
} as const;

/** ErrorReason is one of ErrorReasons. */
export type ErrorReason = (typeof ErrorReasons)[keyof typeof ErrorReasons];

function withInfo(code: Code, domain: string, reason: ErrorReason, message: string, metadata: Record<string, string>): ConnectError {
  return new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { domain, reason, metadata }) }]);
}

/** notFound is the NOT_FOUND error of a resource, naming it in an ErrorInfo. */
export function notFound(domain: string, resource: string, id: string): ConnectError {
  return withInfo(Code.NotFound, domain, ErrorReasons.NOT_FOUND, `${resource} ${JSON.stringify(id)} not found`, { resource, id });
}

/** alreadyExists is the ALREADY_EXISTS error of a resource that may exist only once. */
export function alreadyExists(domain: string, message: string, metadata: Record<string, string> = {}): ConnectError {
  return withInfo(Code.AlreadyExists, domain, ErrorReasons.ALREADY_EXISTS, message, metadata);
}

/** failedPrecondition is the FAILED_PRECONDITION error of a transition the resource's state does not allow. */
export function failedPrecondition(domain: string, reason: ErrorReason, message: string, metadata: Record<string, string> = {}): ConnectError {
  return withInfo(Code.FailedPrecondition, domain, reason, message, metadata);
}

/**
 * invalidArgument is the INVALID_ARGUMENT error of a request the declared
 * field rules let through but the service cannot accept; its BadRequest
 * detail has the same shape as the validation interceptor's.
 */
export function invalidArgument(field: string, rule: string, description: string): ConnectError {
  const detail = create(BadRequestSchema, { fieldViolations: [create(BadRequest_FieldViolationSchema, { field, rule, description })] });
  return new ConnectError(`${field}: ${description}`, Code.InvalidArgument, undefined, [{ desc: BadRequestSchema, value: detail }]);
}

/** requireField returns a message field the handler needs, or fails with INVALID_ARGUMENT when it is unset. */
export function requireField<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw invalidArgument(field, 'required', 'is required');
  return value;
}

/** mustFind returns a record by id, or fails with NOT_FOUND naming the resource. */
export function mustFind<T>(records: ReadonlyMap<string, T>, id: string, domain: string, resource: string): T {
  const record = records.get(id);
  if (record === undefined) throw notFound(domain, resource, id);
  return record;
}
