import { Code, ConnectError } from '@connectrpc/connect';

// node:tls certificate verification codes (from OpenSSL's X509_V_ERR_*) and
// Node's own TLS codes; OpenSSL's alerts come as ERR_SSL_*.
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|SIGNATURE|ISSUER/;
const OPENSSL_REASON = /SSL routines:[^:]*:([^:]+)/;

/**
 * tlsFailureOf returns the TLS error in an error's cause chain (a refused
 * handshake, an untrusted or missing certificate), or undefined when the
 * failure was something else.
 */
export function tlsFailureOf(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if ((typeof code === 'string' && TLS_CODE.test(code)) || OPENSSL_REASON.test(current.message)) return current;
  }
  return undefined;
}

/**
 * tlsFailureError reports a TLS failure with `origin` as Unavailable (the
 * connection could not be made, as gRPC says), in words: "TLS with
 * https://host:port failed: tlsv13 alert certificate required". connect-node
 * would report it as Internal with OpenSSL's raw text, or, when the server
 * refused the client certificate after the request was sent, as a cancelled
 * stream that says nothing about TLS.
 */
export function tlsFailureError(origin: string, failure: Error): ConnectError {
  const reason = OPENSSL_REASON.exec(failure.message)?.[1] ?? failure.message;
  return new ConnectError(`TLS with ${origin} failed: ${reason}`, Code.Unavailable, undefined, undefined, failure);
}
