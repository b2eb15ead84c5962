import type { Http2SessionManager, NodeHttpClientOptions } from '@connectrpc/connect-node';

/** SessionManagerView is what connect-node's HTTP/2 client uses of a session manager (its NodeHttp2ClientSessionManager, which it does not export). */
export type SessionManagerView = ReturnType<NonNullable<Extract<NodeHttpClientOptions, { httpVersion: '2' }>['sessionProvider']>>;

/**
 * MAX_READ_NOTICE_INTERVAL_MS is the longest time, in milliseconds, a session
 * manager may go without hearing of response bytes read while they arrive;
 * throttleReadNotices uses a tenth of the ping interval when that is shorter.
 */
export const MAX_READ_NOTICE_INTERVAL_MS = 1_000;

/** READ_NOTICE_SHARE_OF_PING_INTERVAL is the part of the ping interval a read notice may be late by. */
export const READ_NOTICE_SHARE_OF_PING_INTERVAL = 0.1;

/**
 * throttleReadNotices returns `manager` as connect-node's HTTP/2 client sees
 * it, passing on at most one `notifyResponseByteRead` per interval (a tenth
 * of `pingIntervalMs`, at most MAX_READ_NOTICE_INTERVAL_MS).
 *
 * With a ping interval set, connect-node's manager restarts its keep-alive
 * timer on every read it hears of: two or three timers made and cleared per
 * unary call, only to say "the connection is alive" again within the same
 * millisecond. Heard at most once per interval, the keep-alive works as
 * before, except that a PING may go out up to one interval (a tenth of the
 * ping interval) earlier than strictly needed while data is flowing, and is
 * then answered at once. The response headers of each call still count in
 * full (the manager hears them itself).
 */
export function throttleReadNotices(manager: Http2SessionManager, pingIntervalMs: number): SessionManagerView {
  // No ping interval (Infinity): the manager keeps no timer, and a notice costs it next to nothing.
  if (!Number.isFinite(pingIntervalMs)) return manager;
  const intervalMs = Math.min(MAX_READ_NOTICE_INTERVAL_MS, pingIntervalMs * READ_NOTICE_SHARE_OF_PING_INTERVAL);
  let lastNoticeAt = Number.NEGATIVE_INFINITY;
  return {
    authority: manager.authority,
    request: (method, path, headers, options) => manager.request(method, path, headers, options),
    notifyResponseByteRead(stream) {
      const now = Date.now();
      if (now - lastNoticeAt < intervalMs) return;
      lastNoticeAt = now;
      manager.notifyResponseByteRead(stream);
    },
  };
}
