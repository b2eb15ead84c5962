// scratch: a telemetry-off client, optionally with the context storage enabled
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { contextStorage } from '../../src/context/context-storage.js';
import { createMeshClient } from '../../src/rpc/client/index.js';
import { runClosedLoop } from '../rpc/closed-loop.js';
const [als, url, userId] = process.argv.slice(2) as [string, string, string];
if (als === '1') contextStorage.enterWith(ROOT_CONTEXT);
const mesh = createMeshClient(AuthService, { baseUrls: url });
const call = () => mesh.client.getUser({ userId });
process.on('message', (request: { concurrency: number; durationMs: number }) => {
  void runClosedLoop(call, request).then((sample) => process.send!({ calls: sample.calls, cpu: sample.clientCpuUs }));
});
process.on('disconnect', () => process.exit(0));
process.send!('ready');
