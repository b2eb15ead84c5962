// Hand-made HTTP/2 requests, for inputs no generated client would produce.
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';

/** RawResponse is what came back for one raw request: a response, or the stream's reset. */
export interface RawResponse {
  status: number;
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
  body: Buffer;
  /** rstCode is the RST_STREAM code when the stream was reset instead of answered. */
  rstCode?: number;
  /** error is a stream or session error that ended the request. */
  error?: string;
}

/**
 * openSession connects one HTTP/2 session (h2c) and waits for the server's
 * SETTINGS: its limits (the header list size) bind only once acknowledged.
 */
export async function openSession(url: string): Promise<ClientHttp2Session> {
  const session = connect(url);
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('error', reject);
  });
  // A session the server closes on purpose must not crash the test process.
  session.on('error', () => undefined);
  return session;
}

/** rawRequest sends one POST on `session` and never rejects: resets and errors come back in the result. */
export function rawRequest(session: ClientHttp2Session, path: string, headers: OutgoingHttpHeaders, body: Buffer, options: { endStream?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const result: RawResponse = { status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    let stream;
    try {
      stream = session.request({ ':method': 'POST', ':path': path, ...headers });
    } catch (error) {
      resolve({ ...result, error: (error as Error).message });
      return;
    }
    stream.on('response', (h) => {
      result.headers = h;
      result.status = Number(h[':status']);
    });
    stream.on('trailers', (t) => (result.trailers = t));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    let answered = false;
    stream.on('end', () => {
      answered = true;
      // The answer is complete; stop uploading the rest, as gRPC clients do. The
      // server may answer before it read the whole request (an oversized one).
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    });
    stream.on('error', (error) => answered || (result.error = error.message));
    stream.on('close', () => {
      result.body = Buffer.concat(chunks);
      if (!answered && stream.rstCode !== undefined && stream.rstCode !== 0) result.rstCode = stream.rstCode;
      resolve(result);
    });
    if (options.endStream === false) stream.write(body);
    else stream.end(body);
  });
}

/** grpcFrame wraps `message` in a gRPC length-prefixed frame; `claimedLength` lets the prefix lie. */
export function grpcFrame(message: Buffer, claimedLength = message.length): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(claimedLength, 1);
  return Buffer.concat([header, message]);
}

/** grpcStatus reads grpc-status from a Trailers-Only answer or from the trailers. */
export function grpcStatus(response: RawResponse): number | undefined {
  const value = response.headers['grpc-status'] ?? response.trailers['grpc-status'];
  return value === undefined ? undefined : Number(value);
}

/** connectCode reads the error code of a Connect unary answer (its JSON body), or undefined for a non-JSON body. */
export function connectCode(response: RawResponse): string | undefined {
  try {
    return (JSON.parse(response.body.toString('utf8')) as { code?: string }).code;
  } catch {
    return undefined;
  }
}
