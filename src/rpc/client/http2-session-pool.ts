import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Http2SessionManager, type Http2SessionOptions } from '@connectrpc/connect-node';
import { tlsIdentityKey, toNodeTlsOptions, type ClientTlsOptions } from './client-tls-options.js';

/** Http2SessionLease is a shared HTTP/2 session manager held by one client until released. */
export interface Http2SessionLease {
  readonly manager: Http2SessionManager;
  /**
   * tlsFailure returns the last TLS error of the origin's connection and when
   * it happened; undefined for cleartext origins or when the last handshake
   * succeeded.
   */
  tlsFailure(): { error: Error; at: number } | undefined;
  /** release gives the lease back; the connection closes when the last lease of its origin is released. */
  release(): void;
}

interface PoolEntry {
  readonly manager: Http2SessionManager;
  readonly tls: { failure?: { error: Error; at: number } };
  leases: number;
}

const pool = new Map<string, PoolEntry>();

/**
 * REFUSED_AFTER_HANDSHAKE_MS: a server that closes the connection this soon
 * after a completed TLS handshake, without a word, is taken to have refused
 * the client certificate (node:tls servers check it only after the
 * handshake, and then just close the socket).
 */
export const REFUSED_AFTER_HANDSHAKE_MS = 1000;

/**
 * leaseHttp2Session returns the process-wide HTTP/2 session manager of the
 * origin of `baseUrl` and TLS identity, so that every client of one endpoint
 * with the same certificates shares one connection (a client with another
 * certificate, or none, gets its own: the server authenticates connections,
 * not calls). The first lease of an origin decides its session options.
 */
export function leaseHttp2Session(baseUrl: string, options?: Http2SessionOptions, tls?: ClientTlsOptions): Http2SessionLease {
  const url = new URL(baseUrl);
  const origin = url.origin;
  const key = tls ? `${origin}#${tlsIdentityKey(tls)}` : origin;
  let entry = pool.get(key);
  if (!entry) {
    const state: PoolEntry['tls'] = {};
    const connectOptions = url.protocol === 'https:' ? tlsConnectOptions(tls, state) : undefined;
    entry = { manager: new Http2SessionManager(origin, options, connectOptions), tls: state, leases: 0 };
    pool.set(key, entry);
  }
  entry.leases++;
  const held = entry;
  let released = false;
  return {
    manager: held.manager,
    tlsFailure: () => held.tls.failure,
    release() {
      if (released) return;
      released = true;
      held.leases--;
      if (held.leases === 0 && pool.get(key) === held) {
        pool.delete(key);
        held.manager.abort();
      }
    },
  };
}

// The TLS socket is made here rather than by http2.connect so its errors can
// be kept: a server that refuses the client certificate does so after the
// client's handshake completed, and the session then fails its streams with
// a bare CANCEL that no longer says why.
function tlsConnectOptions(tls: ClientTlsOptions | undefined, state: PoolEntry['tls']) {
  const material = tls ? toNodeTlsOptions(tls) : {};
  return {
    ...material,
    createConnection(authority: URL) {
      const host = authority.hostname.replace(/^\[(.*)\]$/, '$1');
      const socket = tlsConnect({
        ...material,
        host,
        port: Number(authority.port || 443),
        ALPNProtocols: ['h2'],
        ...(material.servername === undefined && isIP(host) === 0 && { servername: host }),
      });
      let secureAt: number | undefined;
      let failed = false;
      socket.once('secureConnect', () => {
        secureAt = Date.now();
        if (socket.authorized) state.failure = undefined;
      });
      socket.on('error', (error) => {
        failed = true;
        state.failure = { error, at: Date.now() };
      });
      socket.once('close', () => {
        const now = Date.now();
        if (failed || secureAt === undefined || now - secureAt > REFUSED_AFTER_HANDSHAKE_MS) return;
        const error = Object.assign(new Error('the server closed the connection right after the handshake; does it trust this client certificate?'), {
          code: 'ERR_TLS_REFUSED_AFTER_HANDSHAKE',
        });
        state.failure = { error, at: now };
      });
      return socket;
    },
  };
}
