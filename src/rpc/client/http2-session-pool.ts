import { Http2SessionManager, type Http2SessionOptions } from '@connectrpc/connect-node';

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
  /** release gives the lease back; the connection closes when the last lease of its origin is released. */
  release(): void;
}

interface PoolEntry {
  readonly manager: Http2SessionManager;
  leases: number;
}

const pool = new Map<string, PoolEntry>();

/**
 * leaseHttp2Session returns the process-wide HTTP/2 session manager of the
 * origin of `baseUrl`, so that every client of one endpoint shares one
 * connection. The first lease of an origin decides its session options,
 * over DEFAULT_HTTP2_SESSION_OPTIONS.
 */
export function leaseHttp2Session(baseUrl: string, options?: Http2SessionOptions): Http2SessionLease {
  const origin = new URL(baseUrl).origin;
  let entry = pool.get(origin);
  if (!entry) {
    entry = { manager: new Http2SessionManager(origin, { ...DEFAULT_HTTP2_SESSION_OPTIONS, ...options }), leases: 0 };
    pool.set(origin, entry);
  }
  entry.leases++;
  const held = entry;
  let released = false;
  return {
    manager: held.manager,
    release() {
      if (released) return;
      released = true;
      held.leases--;
      if (held.leases === 0 && pool.get(origin) === held) {
        pool.delete(origin);
        held.manager.abort();
      }
    },
  };
}
