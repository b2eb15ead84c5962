import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { createServer, type MeshServer } from '../../../src/rpc/server/index.js';
import { createTestAuth, grpcTarget, loadGrpcPackage, unaryCall } from './test-services.js';

const pkg = loadGrpcPackage(['auth/v1/auth_service.proto']);

describe('createServer with TLS', () => {
  let dir: string;
  let cert: Buffer;
  let server: MeshServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
    // A throw-away self-signed certificate for localhost.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    server = await createServer({ services: [createTestAuth().registration], tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves HTTP/2 (gRPC, Connect) and HTTP/1.1 (Connect) on one https port', async () => {
    assert.match(server.url, /^https:\/\/localhost:\d+$/);
    const sessions = new Http2SessionManager(server.url, undefined, { ca: cert });
    try {
      const overGrpc = createClient(AuthService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
      assert.equal((await overGrpc.getUser({ userId: 'h2' })).user?.userId, 'h2');
      const overHttp1 = createClient(AuthService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', nodeOptions: { ca: cert } }));
      assert.equal((await overHttp1.getUser({ userId: 'h1' })).user?.userId, 'h1');
    } finally {
      sessions.abort();
    }
    const grpcJs = new pkg.auth.v1.AuthService(grpcTarget(server.url), grpc.credentials.createSsl(cert)) as grpc.Client;
    try {
      assert.equal((await unaryCall<any>(grpcJs, 'GetUser', { userId: 'grpc-js' })).user.userId, 'grpc-js');
    } finally {
      grpcJs.close();
    }
  });
});
