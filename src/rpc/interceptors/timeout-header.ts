import { headerTimeout as connectTimeoutHeader } from '@connectrpc/connect/protocol-connect';
import { headerTimeout as grpcTimeoutHeader, parseTimeout as parseGrpcTimeout } from '@connectrpc/connect/protocol-grpc';

/** WireProtocol is the protocol a request is encoded in, as seen by a client interceptor. */
export type WireProtocol = 'connect' | 'grpc' | 'grpc-web';

// gRPC allows at most 8 digits per unit; the largest unit that keeps a value
// in range wins, so long timeouts lose sub-second precision but stay valid.
const GRPC_UNITS: ReadonlyArray<readonly [unit: string, ms: number]> = [
  ['m', 1],
  ['S', 1000],
  ['M', 60_000],
  ['H', 3_600_000],
];
const GRPC_MAX_DIGITS = 99_999_999;
// Connect allows at most 10 digits.
const CONNECT_MAX_TIMEOUT_MS = 9_999_999_999;

/**
 * wireProtocolOf tells the protocol of an outgoing request from its
 * Content-Type, which connect-es sets before interceptors run.
 */
export function wireProtocolOf(header: Headers): WireProtocol {
  const contentType = header.get('content-type') ?? '';
  if (contentType.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}

/**
 * formatGrpcTimeout renders milliseconds as a `grpc-timeout` value, rounding
 * up so that a positive budget never becomes a zero timeout.
 */
export function formatGrpcTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  for (const [unit, size] of GRPC_UNITS) {
    const value = Math.ceil(ms / size);
    if (value <= GRPC_MAX_DIGITS) return `${value}${unit}`;
  }
  return `${GRPC_MAX_DIGITS}H`;
}

/** formatConnectTimeout renders milliseconds as a `connect-timeout-ms` value (rounded up, at least 1). */
export function formatConnectTimeout(timeoutMs: number): string {
  return String(Math.min(CONNECT_MAX_TIMEOUT_MS, Math.max(1, Math.ceil(timeoutMs))));
}

/**
 * readTimeoutHeader returns the timeout, in milliseconds, that an outgoing
 * request carries (`connect-timeout-ms` or `grpc-timeout`), or undefined when
 * it carries none or an unreadable one.
 */
export function readTimeoutHeader(header: Headers): number | undefined {
  const connect = header.get(connectTimeoutHeader);
  if (connect !== null) {
    const ms = /^\d{1,10}$/.test(connect) ? Number(connect) : Number.NaN;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const grpc = header.get(grpcTimeoutHeader);
  if (grpc === null) return undefined;
  return parseGrpcTimeout(grpc, Number.POSITIVE_INFINITY).timeoutMs;
}

/**
 * writeTimeoutHeader sets the timeout header of the request's protocol to
 * `timeoutMs`, replacing the one connect-es computed before interceptors ran.
 */
export function writeTimeoutHeader(header: Headers, timeoutMs: number): void {
  if (wireProtocolOf(header) === 'connect') {
    header.delete(grpcTimeoutHeader);
    header.set(connectTimeoutHeader, formatConnectTimeout(timeoutMs));
  } else {
    header.delete(connectTimeoutHeader);
    header.set(grpcTimeoutHeader, formatGrpcTimeout(timeoutMs));
  }
}
