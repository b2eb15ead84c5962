import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { readTlsFilesFromEnv } from '../tls/tls-env.js';

/**
 * ClientTlsOptions are what a client needs for https endpoints: the CA to
 * trust and, for mutual TLS, its own certificate and key.
 */
export interface ClientTlsOptions {
  /**
   * ca is the certificate authority (PEM) the server's certificate must chain to.
   * @defaultValue Node's bundled public CAs
   */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** cert is this client's certificate (PEM), shown to servers that ask for one (mutual TLS). */
  cert?: string | Buffer;
  /** key is the private key (PEM) of `cert`. */
  key?: string | Buffer;
  /**
   * serverName is the host name the server certificate is checked against (SNI).
   * @defaultValue the host of the endpoint URL
   */
  serverName?: string;
}

/**
 * clientTlsFromEnv returns the client TLS options of MESH_TLS_CA,
 * MESH_TLS_CERT, MESH_TLS_KEY and MESH_TLS_SERVER_NAME, or undefined when
 * none is set.
 */
export function clientTlsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientTlsOptions | undefined {
  return readTlsFilesFromEnv(env);
}

/** toNodeTlsOptions turns ClientTlsOptions into the connect options of node:tls (http2.connect, https.request). */
export function toNodeTlsOptions(tls: ClientTlsOptions): Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'> {
  return {
    ...(tls.ca !== undefined && { ca: tls.ca as ConnectionOptions['ca'] }),
    ...(tls.cert !== undefined && { cert: tls.cert }),
    ...(tls.key !== undefined && { key: tls.key }),
    ...(tls.serverName !== undefined && { servername: tls.serverName }),
  };
}

/**
 * tlsIdentityKey returns a digest that is equal for equal TLS options, so
 * that clients with the same identity share HTTP/2 sessions and clients with
 * different ones never do. The key material never leaves this function.
 */
export function tlsIdentityKey(tls: ClientTlsOptions | undefined): string {
  if (!tls) return '';
  const hash = createHash('sha256');
  const ca = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
  for (const part of [...ca, '\0', tls.cert ?? '', '\0', tls.key ?? '', '\0', tls.serverName ?? '']) hash.update(part as string | Buffer);
  return hash.digest('base64url');
}
