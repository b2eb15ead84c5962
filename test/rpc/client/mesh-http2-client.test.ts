import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { constants, createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import type { UniversalClientFn, UniversalClientResponse } from '@connectrpc/connect/protocol';
import { createNodeHttpClient, Http2SessionManager } from '@connectrpc/connect-node';
import { createMeshHttp2Client } from '../../../src/rpc/client/mesh-http2-client.js';

const CHUNK_BYTES = 16 * 1024;
const CHUNKS = 64;

/** A raw HTTP/2 server whose paths choose the behaviour under test. */
async function startServer(): Promise<{ url: string; server: Http2Server; resets: number[]; paths: string[]; close(): Promise<void> }> {
  const resets: number[] = [];
  const paths: string[] = [];
  const server = createServer();
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    paths.push(String(headers[':path']));
    stream.on('close', () => resets.push(stream.rstCode));
    // A stream this server resets reports it as an error here too.
    stream.on('error', () => {});
    const path = headers[':path'];
    const received: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => received.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(received);
      if (path === '/echo') {
        stream.respond({ ':status': 200, 'x-request-bytes': String(body.length), 'x-seen-header': String(headers['x-test'] ?? '') }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'done' }));
        stream.end(Buffer.concat([Buffer.from('echo:'), body]));
      } else if (path === '/many') {
        stream.respond({ ':status': 200 });
        for (let i = 0; i < CHUNKS; i++) stream.write(Buffer.alloc(CHUNK_BYTES, i));
        stream.end();
      } else if (path === '/refused') {
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
      } else if (path === '/calm') {
        stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      } else if (path === '/no-response') {
        stream.close(constants.NGHTTP2_NO_ERROR);
      }
      // '/hang' never answers.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    resets,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

function body(...chunks: string[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const chunk of chunks) yield Buffer.from(chunk);
  })();
}

async function readAll(response: UniversalClientResponse, pauseEvery = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) {
    chunks.push(Buffer.from(chunk));
    if (pauseEvery > 0 && chunks.length % pauseEvery === 0) await sleep(5);
  }
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectError, `a ConnectError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

// A regression here would leave a call waiting: the timeout turns that into a failure.
describe('createMeshHttp2Client', { timeout: 30_000 }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let manager: Http2SessionManager;
  let mesh: UniversalClientFn;
  let connectNode: UniversalClientFn;

  before(async () => {
    server = await startServer();
    manager = new Http2SessionManager(server.url);
    mesh = createMeshHttp2Client(() => manager);
    connectNode = createNodeHttpClient({ httpVersion: '2', sessionProvider: () => manager });
  });
  after(async () => {
    manager.abort();
    await server.close();
  });

  test('sends the request body and headers, and reads status, headers, body and trailers', async () => {
    const header = new Headers({ 'x-test': 'yes', 'content-type': 'application/octet-stream' });
    const response = await mesh({ url: `${server.url}/echo`, method: 'POST', header, body: body('ab', 'cd') });
    assert.equal(response.status, 200);
    assert.equal(response.header.get('x-request-bytes'), '4');
    assert.equal(response.header.get('x-seen-header'), 'yes');
    assert.equal((await readAll(response)).toString(), 'echo:abcd');
    assert.equal(response.trailer.get('x-trailer'), 'done');
  });

  test('a body read slowly arrives whole and in order (flow control holds the rest)', async () => {
    const response = await mesh({ url: `${server.url}/many`, method: 'POST', header: new Headers(), body: body('') });
    const received = await readAll(response, 8);
    assert.equal(received.length, CHUNKS * CHUNK_BYTES);
    for (let i = 0; i < CHUNKS; i++) assert.equal(received[i * CHUNK_BYTES], i, `chunk ${i}`);
  });

  test('a call that ends well leaves no listener on its signal', async () => {
    const controller = new AbortController();
    const response = await mesh({ url: `${server.url}/echo`, method: 'POST', header: new Headers(), body: body('x'), signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'listens while the body is open');
    await readAll(response);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('an abort fails the call with the reason and resets the stream with CANCEL', async () => {
    const controller = new AbortController();
    const resetsBefore = server.resets.length;
    const call = mesh({ url: `${server.url}/hang`, method: 'POST', header: new Headers(), body: body('x'), signal: controller.signal });
    await sleep(50);
    controller.abort(new ConnectError('caller gave up', Code.Canceled));
    const error = await failure(call);
    assert.equal(error.code, Code.Canceled);
    assert.equal(error.rawMessage, 'caller gave up');
    for (let i = 0; i < 100 && server.resets.length === resetsBefore; i++) await sleep(10);
    assert.deepEqual(server.resets.slice(resetsBefore), [constants.NGHTTP2_CANCEL]);
  });

  test('an abort without a reason is Canceled, as in connect-node', async () => {
    const controller = new AbortController();
    const call = mesh({ url: `${server.url}/hang`, method: 'POST', header: new Headers(), body: body('x'), signal: controller.signal });
    await sleep(20);
    controller.abort();
    assert.equal((await failure(call)).code, Code.Canceled);
  });

  test('a call whose signal is already aborted fails without opening a stream', async () => {
    const controller = new AbortController();
    controller.abort(new ConnectError('too late', Code.DeadlineExceeded));
    const error = await failure(mesh({ url: `${server.url}/echo?aborted`, method: 'POST', header: new Headers(), body: body('x'), signal: controller.signal }));
    assert.equal(error.code, Code.DeadlineExceeded);
    await sleep(50);
    assert.ok(server.paths.includes('/echo'), 'the server records the paths it is asked for');
    assert.ok(!server.paths.includes('/echo?aborted'), 'no stream reached the server');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  for (const path of ['/refused', '/calm']) {
    test(`a stream reset by the server (${path}) fails as connect-node reports it`, async () => {
      const request = (client: UniversalClientFn) => failure(client({ url: `${server.url}${path}`, method: 'POST', header: new Headers(), body: body('x') }));
      const [ours, theirs] = [await request(mesh), await request(connectNode)];
      assert.equal(ours.code, theirs.code);
      assert.equal(ours.message, theirs.message);
      assert.notEqual(ours.code, Code.Unknown);
    });
  }

  test('a stream closed without a reset and without a response fails Internal instead of waiting', async () => {
    const error = await failure(mesh({ url: `${server.url}/no-response`, method: 'POST', header: new Headers(), body: body('x') }));
    assert.equal(error.code, Code.Internal);
    assert.match(error.message, /without a response/);
  });

  test('a URL of another origin than the session fails Internal without a request', async () => {
    const error = await failure(mesh({ url: 'http://127.0.0.1:1/echo', method: 'POST', header: new Headers(), body: body('x') }));
    assert.equal(error.code, Code.Internal);
    assert.match(error.message, /the http2 session is connected to/);
  });
});
