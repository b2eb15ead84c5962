import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { ServerReflection } from '../../../gen/grpc/reflection/v1/reflection_pb.js';
import { getContext } from '../../../src/context/index.js';
import { createServer } from '../../../src/rpc/server/index.js';

describe('context interceptor on a streaming method', () => {
  test('a bidi handler sees the caller context on every message, and a router callback registers it', async () => {
    // ServerReflection is only a convenient bidi method here: each response
    // reports the handler's RequestContext through the service names.
    const server = await createServer({
      reflection: false,
      services: (router) =>
        router.service(ServerReflection, {
          async *serverReflectionInfo(requests) {
            for await (const request of requests) {
              await new Promise((resolve) => setImmediate(resolve));
              const context = getContext();
              yield {
                validHost: request.host,
                messageResponse: {
                  case: 'listServicesResponse',
                  value: { service: [{ name: `${context?.userId}|${context?.correlationId}|${context?.deadline !== undefined}` }] },
                },
              };
            }
          },
        }),
    });
    const sessions = new Http2SessionManager(server.url);
    try {
      const client = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
      async function* requests() {
        for (const host of ['a', 'b', 'c']) yield { host, messageRequest: { case: 'listServices' as const, value: '' } };
      }
      const names: string[] = [];
      for await (const response of client.serverReflectionInfo(requests(), {
        timeoutMs: 5000,
        headers: { 'x-user-id': 'stream-user', 'x-correlation-id': 'corr-s' },
      })) {
        if (response.messageResponse.case === 'listServicesResponse') names.push(response.messageResponse.value.service[0]!.name);
      }
      assert.deepEqual(names, Array(3).fill('stream-user|corr-s|true'));
      assert.deepEqual(
        server.services.map((s) => s.typeName),
        ['grpc.reflection.v1.ServerReflection', 'grpc.health.v1.Health', 'mesh.v1.ServerStatusService'],
        'reflection: false adds no reflection service of its own',
      );
    } finally {
      sessions.abort();
      await server.close();
    }
  });
});
