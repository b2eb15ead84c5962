import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Http2SessionManager, type Http2SessionOptions } from '@connectrpc/connect-node';
import { tlsIdentityKey, toNodeTlsOptions, type ClientTlsOptions } from './client-tls-options.js';
import { CONNECTION_REFUSED_CODE } from './connection-failure.js';
import { throttleReadNotices, type SessionManagerView } from './throttle-read-notices.js';

/**
 * DEFAULT_HTTP2_PING_INTERVAL_MS is how long, in milliseconds, a connection
 * may go without receiving anything, while calls are open on it or before it
 * is reused after being idle, before a PING checks that it is alive.
 * connect-node pings never by default, so a connection that went dead without
 * a FIN or RST (a partition, a black-holing middlebox, a frozen peer) was
 * reused forever: every call on it hit its deadline and the client never
 * reconnected, even once the network was back.
 */
export const DEFAULT_HTTP2_PING_INTERVAL_MS = 10_000;
/** DEFAULT_HTTP2_PING_TIMEOUT_MS is how long, in milliseconds, a PING may go unanswered before the connection is closed. */
export const DEFAULT_HTTP2_PING_TIMEOUT_MS = 5_000;
/** DEFAULT_HTTP2_SESSION_OPTIONS are the session options of an origin whose first lease sets none. */
export const DEFAULT_HTTP2_SESSION_OPTIONS: Readonly<Http2SessionOptions> = Object.freeze({
  pingIntervalMs: DEFAULT_HTTP2_PING_INTERVAL_MS,
  pingTimeoutMs: DEFAULT_HTTP2_PING_TIMEOUT_MS,
});

/** Http2SessionLease is a shared HTTP/2 session manager held by one client until released. */
export interface Http2SessionLease {
  readonly manager: Http2SessionManager;
  /** sessions is the manager as connect-node's HTTP/2 client should use it (see throttleReadNotices). */
  readonly sessions: SessionManagerView;
  /**
   * connectionFailure returns why the origin's last connection failed to
   * set up (a TLS error, or a server that hung up at once) and when;
   * undefined when the last one came up.
   */
  connectionFailure(): ConnectionFailure | undefined;
  /** release gives the lease back; the connection closes when the last lease of its origin is released. */
  release(): void;
}

/** ConnectionFailure is an error that ended a connection as it was set up, and when. */
export interface ConnectionFailure {
  readonly error: Error;
  readonly at: number;
}

interface PoolEntry {
  readonly manager: Http2SessionManager;
  readonly sessions: SessionManagerView;
  readonly state: { failure?: ConnectionFailure };
  leases: number;
}

const pool = new Map<string, PoolEntry>();

/**
 * REFUSED_AFTER_CONNECT_MS: a server that closes a connection this soon
 * after it came up, without a word, is taken to have refused it: a TLS
 * server refuses an untrusted client certificate only after the handshake,
 * and closes a cleartext connection at once.
 */
export const REFUSED_AFTER_CONNECT_MS = 1000;

/**
 * leaseHttp2Session returns the process-wide HTTP/2 session manager of the
 * origin of `baseUrl` and TLS identity, so that every client of one endpoint
 * with the same certificates shares one connection (a client with another
 * certificate, or none, gets its own: the server authenticates connections,
 * not calls). The first lease of an origin decides its session options,
 * over DEFAULT_HTTP2_SESSION_OPTIONS.
 */
export function leaseHttp2Session(baseUrl: string, options?: Http2SessionOptions, tls?: ClientTlsOptions): Http2SessionLease {
  const url = new URL(baseUrl);
  const origin = url.origin;
  const key = tls ? `${origin}#${tlsIdentityKey(tls)}` : origin;
  let entry = pool.get(key);
  if (!entry) {
    const state: PoolEntry['state'] = {};
    const sessionOptions = { ...DEFAULT_HTTP2_SESSION_OPTIONS, ...options };
    const manager = new Http2SessionManager(origin, sessionOptions, connectOptions(url.protocol === 'https:', tls, state));
    // connect-node pings never when no interval is set.
    const sessions = throttleReadNotices(manager, sessionOptions.pingIntervalMs ?? Number.POSITIVE_INFINITY);
    entry = { manager, sessions, state, leases: 0 };
    pool.set(key, entry);
  }
  entry.leases++;
  const held = entry;
  let released = false;
  return {
    manager: held.manager,
    sessions: held.sessions,
    connectionFailure: () => held.state.failure,
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

// The socket is made here rather than by http2.connect so that why it
// closed can be kept: a server that refuses the client certificate does so
// after the client's handshake completed, and a TLS server hangs up on a
// cleartext client; either way the session then fails its streams with a
// bare CANCEL that no longer says why.
function connectOptions(secure: boolean, tls: ClientTlsOptions | undefined, state: PoolEntry['state']) {
  const material = tls ? toNodeTlsOptions(tls) : {};
  return {
    ...material,
    createConnection(authority: URL) {
      const host = authority.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(authority.port || (secure ? 443 : 80));
      const socket: Socket = secure
        ? tlsConnect({ ...material, host, port, ALPNProtocols: ['h2'], ...(material.servername === undefined && isIP(host) === 0 && { servername: host }) })
        : netConnect({ host, port });
      watch(socket, secure, state);
      return socket;
    },
  };
}

const HTTP2_FRAME_HEADER_BYTES = 9;

function watch(socket: Socket, secure: boolean, state: PoolEntry['state']): void {
  let upAt: number | undefined;
  let failed = false;
  socket.once(secure ? 'secureConnect' : 'connect', () => {
    upAt = Date.now();
    if (!secure || (socket as Socket & { authorized?: boolean }).authorized) state.failure = undefined;
  });
  socket.on('error', (error) => {
    failed = true;
    state.failure = { error, at: Date.now() };
  });
  socket.once('close', () => {
    const now = Date.now();
    if (failed || upAt === undefined || now - upAt > REFUSED_AFTER_CONNECT_MS) return;
    // An HTTP/2 server's first word is a SETTINGS frame (9 bytes or more); a
    // TLS server says at most a 7-byte alert to a cleartext client.
    if (!secure && socket.bytesRead >= HTTP2_FRAME_HEADER_BYTES) return;
    const message = secure
      ? 'the server closed the connection right after the TLS handshake; does it trust this client certificate?'
      : 'the server closed the connection as soon as it was opened; does it expect TLS (https://)?';
    state.failure = { error: Object.assign(new Error(message), { code: CONNECTION_REFUSED_CODE }), at: now };
  });
}
