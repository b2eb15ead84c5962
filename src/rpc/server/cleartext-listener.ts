import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as Http1Server } from 'node:http';
import type { Http2Server } from 'node:http2';

/** HTTP2_PREFACE is how every HTTP/2 prior-knowledge (h2c) connection starts. */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * createCleartextListener accepts plaintext connections and hands each to the
 * HTTP/2 server (h2c with prior knowledge, what gRPC clients do) or to the
 * HTTP/1.1 server, by its first bytes. Node's `allowHTTP1` only works with
 * TLS, where ALPN picks the protocol; without TLS the preface is all there is.
 */
export function createCleartextListener(http2: Http2Server, http1: Http1Server): NetServer {
  return createNetServer((socket: Socket) => {
    // Until a server owns the socket, a reset must not become an uncaught error.
    const onEarlyError = () => socket.destroy();
    socket.on('error', onEarlyError);
    socket.once('data', (chunk: Buffer) => {
      socket.off('error', onEarlyError);
      socket.pause();
      socket.unshift(chunk);
      const length = Math.min(chunk.length, HTTP2_PREFACE.length);
      const isHttp2 = chunk.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
      if (isHttp2) {
        // The session reads what is buffered itself, on the next tick.
        http2.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
}
