import { createServer, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';

/** DEFAULT_CLOSE_TIMEOUT_MS bounds how long close() lets in-flight calls finish before cutting sessions. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/** ListenH2cOptions say where to listen. */
export interface ListenH2cOptions {
  /** port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  /** @defaultValue DEFAULT_CLOSE_TIMEOUT_MS */
  closeTimeoutMs?: number;
}

/** H2cListener is a listening server: its actual port, and a graceful close. */
export interface H2cListener {
  port: number;
  /** close stops accepting, lets in-flight calls finish (up to the timeout), then closes every session. */
  close(): Promise<void>;
}

/**
 * listenH2c serves Connect routes (Connect, gRPC and gRPC-Web) over
 * cleartext HTTP/2. It is the only place the reference services touch the
 * HTTP layer: switching them to the server kit's createServer means
 * replacing this function.
 */
export async function listenH2c(routes: (router: ConnectRouter) => void, options: ListenH2cOptions): Promise<H2cListener> {
  const server = createServer(connectNodeAdapter({ routes }));
  const sessions = new Set<Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // GOAWAY lets streams already open finish; the timer ends sessions that linger.
        for (const session of sessions) session.close();
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
        timer.unref();
      });
      return closing;
    },
  };
}
