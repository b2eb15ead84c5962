// A client of the telemetry bench, run as its own process:
//   node --import tsx bench/telemetry/telemetry-client.ts <mode> <otlp endpoint> <server url> <userId>
// createMeshClient (every toolkit interceptor, its tracing interceptor
// included) with telemetry as <mode> says. On a LoadRequest (IPC) it runs a
// closed loop of GetUser calls and answers with a LoadReport; it flushes its
// telemetry and exits when the IPC channel closes. Profile messages: see
// telemetry-process-profile.ts.
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { createMeshClient } from '../../src/rpc/client/index.js';
import { percentile, runClosedLoop } from '../rpc/closed-loop.js';
import { startBenchTelemetry, withBenchContext, type TelemetryMode } from './telemetry-mode.js';
import { handleProfileMessages } from './telemetry-process-profile.js';

/** LoadRequest asks a bench client for one closed-loop run. */
export interface LoadRequest {
  concurrency: number;
  durationMs: number;
}

/** LoadReport is one run as the client saw it. */
export interface LoadReport {
  calls: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  p50Us: number;
  p99Us: number;
  /** clientCpuUs is the client process's CPU time per call, in microseconds. */
  clientCpuUs: number;
}

const [mode, endpoint, url, userId] = process.argv.slice(2) as [TelemetryMode, string, string, string];
const telemetry = startBenchTelemetry(mode, 'client', endpoint);
const profileMessage = handleProfileMessages('client', mode);
const mesh = createMeshClient(AuthService, { baseUrls: url });
const call = withBenchContext(mode, () => mesh.client.getUser({ userId }));

process.on('message', (request: LoadRequest) => {
  if (profileMessage(request)) return;
  void runClosedLoop(call, request).then((sample) => {
    const sorted = sample.latenciesUs.sort((a, b) => a - b);
    const report: LoadReport = {
      calls: sample.calls,
      errors: sample.errors,
      ...(sample.firstError ? { firstError: sample.firstError } : {}),
      elapsedMs: sample.elapsedMs,
      p50Us: percentile(sorted, 50),
      p99Us: percentile(sorted, 99),
      clientCpuUs: sample.clientCpuUs,
    };
    process.send!(report);
  });
});
process.on('disconnect', () => {
  mesh.close();
  void (telemetry?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
});
process.send!('ready');
