import { Code, ConnectError } from '@connectrpc/connect';

/** CONNECTION_REFUSED_CODE marks a connection the server closed as soon as it came up (see REFUSED_AFTER_CONNECT_MS). */
export const CONNECTION_REFUSED_CODE = 'ERR_MESH_CONNECTION_REFUSED';

// node:tls certificate verification codes (from OpenSSL's X509_V_ERR_*) and
// Node's own TLS codes; OpenSSL's alerts come as ERR_SSL_*.
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|SIGNATURE|ISSUER/;
const OPENSSL_REASON = /SSL routines:[^:]*:([^:]+)/;

/**
 * connectionFailureOf returns the error in an error's cause chain that says
 * why a connection could not be set up: a TLS failure (refused handshake,
 * untrusted or missing certificate) or a server that hung up at once;
 * undefined when the failure was something else.
 */
export function connectionFailureOf(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (code === CONNECTION_REFUSED_CODE) return current;
    if ((typeof code === 'string' && TLS_CODE.test(code)) || OPENSSL_REASON.test(current.message)) return current;
  }
  return undefined;
}

/**
 * connectionFailureError reports such a failure with `origin` as Unavailable
 * (the connection could not be made, as gRPC says), in words, e.g. "TLS with
 * https://host:port failed: tlsv13 alert certificate required". connect-node
 * would say Internal with OpenSSL's raw text, or, when the server hung up
 * after the request was sent, a cancelled stream that says nothing of why.
 */
export function connectionFailureError(origin: string, failure: Error): ConnectError {
  const code = (failure as { code?: unknown }).code;
  const reason = OPENSSL_REASON.exec(failure.message)?.[1] ?? failure.message;
  const message = code === CONNECTION_REFUSED_CODE && origin.startsWith('http:') ? `${origin}: ${reason}` : `TLS with ${origin} failed: ${reason}`;
  return new ConnectError(message, Code.Unavailable, undefined, undefined, failure);
}
