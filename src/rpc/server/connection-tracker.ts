import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';

/**
 * ConnectionTracker knows every open socket, HTTP/2 session and in-flight
 * request of one server, which is what a graceful shutdown needs: GOAWAY on
 * every session, "Connection: close" for HTTP/1.1, and a count to wait on.
 */
export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();
  /** In-flight HTTP/1.1 requests per socket, so idle keep-alive sockets can be closed. */
  private readonly http1Busy = new Map<Socket, number>();
  private inFlight = 0;
  private draining = false;
  private readonly idleWaiters = new Set<() => void>();

  /** inFlightCount is the number of requests whose response has not closed yet. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** trackSocket remembers a raw connection until it closes. */
  trackSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.http1Busy.delete(socket);
    });
  }

  /** trackSession remembers an HTTP/2 session; one opened while draining is closed at once. */
  trackSession(session: ServerHttp2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    if (this.draining) session.close();
  }

  /** trackRequest counts a request until its response closes. */
  trackRequest(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void {
    this.inFlight += 1;
    const http1Socket = 'stream' in request ? undefined : (request.socket as Socket);
    if (http1Socket) {
      this.http1Busy.set(http1Socket, (this.http1Busy.get(http1Socket) ?? 0) + 1);
      if (this.draining) (response as ServerResponse).shouldKeepAlive = false;
    }
    response.once('close', () => {
      this.inFlight -= 1;
      if (http1Socket) {
        const busy = (this.http1Busy.get(http1Socket) ?? 1) - 1;
        this.http1Busy.set(http1Socket, busy);
        if (this.draining && busy === 0) http1Socket.end();
      }
      if (this.inFlight === 0) for (const wake of this.idleWaiters) wake();
    });
  }

  /**
   * drain sends GOAWAY on every HTTP/2 session and closes idle HTTP/1.1
   * sockets, then waits until no request is in flight or `timeoutMs` passes;
   * it resolves true when everything finished in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    for (const session of this.sessions) session.close();
    for (const [socket, busy] of this.http1Busy) if (busy === 0) socket.end();
    if (this.inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(drained);
      };
      const wake = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.idleWaiters.add(wake);
    });
  }

  /** openConnections is how many sockets are still open. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** destroyAll ends whatever is left: sessions first (RST on their streams), then sockets. */
  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
