// A server of the telemetry bench, run as its own process:
//   node --import tsx bench/telemetry/telemetry-server.ts <mode> <otlp endpoint>
// The toolkit server kit (createServer, its tracing interceptor first) serving
// auth.v1.AuthService over a seeded store, with telemetry as <mode> says. It
// prints { port, userId } when ready, answers 'cpu-usage' (IPC) with its
// process.cpuUsage() and profile messages (telemetry-process-profile.ts), flushes its telemetry and exits when the IPC channel closes.
import { setMaxListeners } from 'node:events';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { createServer, defineService } from '../../src/rpc/server/index.js';
import { createSeededAuthService } from '../rpc/seeded-auth-service.js';
import { startBenchTelemetry, type TelemetryMode } from './telemetry-mode.js';
import { handleProfileMessages } from './telemetry-process-profile.js';

const [mode, endpoint] = process.argv.slice(2) as [TelemetryMode, string];
const telemetry = startBenchTelemetry(mode, 'server', endpoint);
const profileMessage = handleProfileMessages('server', mode);
setMaxListeners(1_000);
const { implementation, userId } = await createSeededAuthService();
const server = await createServer({ services: [defineService(AuthService, implementation)], host: '127.0.0.1', port: 0 });
process.send!({ port: server.port, userId });
process.on('message', (message) => {
  if (message === 'cpu-usage') process.send!(process.cpuUsage());
  else profileMessage(message);
});
process.on('disconnect', () => {
  void server
    .close({ timeoutMs: 1_000 })
    .then(() => telemetry?.shutdown())
    .finally(() => process.exit(0));
});
