import type { TLSSocket } from 'node:tls';

/** TlsPeer is what the server knows about the client certificate of a TLS connection. */
export interface TlsPeer {
  /** authorized is true when the client showed a certificate that chains to the server's `ca`. */
  readonly authorized: boolean;
  /** commonName is the subject CN of the client certificate, which names the calling service. */
  readonly commonName?: string;
  /** fingerprint256 identifies the client certificate (SHA-256, colon-separated hex). */
  readonly fingerprint256?: string;
}

/** NodeRequestLike is the part of an http/http2 server request tlsPeerOf reads. */
export interface NodeRequestLike {
  readonly socket?: unknown;
  readonly stream?: { readonly session?: object };
}

// Per connection (HTTP/2 session or HTTP/1.1 socket): a certificate is fixed
// at the handshake, and calls on one connection are many.
const peers = new WeakMap<object, TlsPeer | null>();

/**
 * tlsPeerOf returns the client certificate facts of the connection a request
 * came on, or undefined on a cleartext connection.
 */
export function tlsPeerOf(request: NodeRequestLike): TlsPeer | undefined {
  const socket = request.socket as Partial<TLSSocket> | undefined;
  const owner = request.stream?.session ?? (socket as object | undefined);
  if (!owner || !socket) return undefined;
  const known = peers.get(owner);
  if (known !== undefined) return known ?? undefined;
  const peer = socket.encrypted ? readPeer(socket) : null;
  peers.set(owner, peer);
  return peer ?? undefined;
}

function readPeer(socket: Partial<TLSSocket>): TlsPeer {
  const authorized = socket.authorized === true;
  const certificate = socket.getPeerCertificate?.();
  if (!certificate || Object.keys(certificate).length === 0) return { authorized: false };
  const cn = certificate.subject?.CN;
  return {
    authorized,
    ...(cn !== undefined && { commonName: Array.isArray(cn) ? cn[0] : cn }),
    ...(certificate.fingerprint256 && { fingerprint256: certificate.fingerprint256 }),
  };
}
