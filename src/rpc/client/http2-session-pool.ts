import { Http2SessionManager, type Http2SessionOptions } from '@connectrpc/connect-node';

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
 * connection. The first lease of an origin decides its session options.
 */
export function leaseHttp2Session(baseUrl: string, options?: Http2SessionOptions): Http2SessionLease {
  const origin = new URL(baseUrl).origin;
  let entry = pool.get(origin);
  if (!entry) {
    entry = { manager: new Http2SessionManager(origin, options), leases: 0 };
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
