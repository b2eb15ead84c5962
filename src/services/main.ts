// Runs one reference service as its own process:
//   node --import tsx src/services/main.ts <service> [--port N] [--host H] [--no-kafka]
// Without --port it listens on the port of <SERVICE>_SERVICE_URL, else 3001-3006.
// Domain events go to Kafka (KAFKA_BROKERS, else 127.0.0.1:9092) through the
// event bus, whose channels it provisions first; --no-kafka or
// MESH_EVENTS=memory keeps them in memory instead.
// It prints one JSON line, {"service":"auth","url":"http://127.0.0.1:3001","events":"kafka"},
// once listening, and on SIGTERM or SIGINT (or when the parent that spawned it
// with an IPC channel goes away) drains the server, closes the bus, flushes
// telemetry (OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set) and exits 0.
// A start that fails prints one line on stderr and exits 1.
import { parseArgs } from 'node:util';
import { createEventBus, type EventBus } from '../events/index.js';
import { startTelemetry } from '../telemetry/start-telemetry.js';
import { isServiceName, listenPortOf, SERVICE_NAMES } from './service-catalog.js';
import { startService } from './start-service.js';

/** MESH_EVENTS_ENV selects where events go: "kafka" (the default) or "memory". */
const MESH_EVENTS_ENV = 'MESH_EVENTS';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: main.ts <${SERVICE_NAMES.join('|')}> [--port N] [--host H] [--no-kafka]\n`);
  process.exit(2);
}

function startFailed(name: string, error: unknown): never {
  const code = (error as { code?: unknown }).code;
  const reason = code === 'EADDRINUSE' ? `port ${(error as { port?: unknown }).port} is already in use (set ${name.toUpperCase()}_SERVICE_URL to another port)` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`${name}: cannot start: ${reason}\n`);
  process.exit(1);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, host: { type: 'string' }, 'no-kafka': { type: 'boolean' } },
});
const [name] = positionals;
if (name === undefined || !isServiceName(name)) usage(`unknown service ${JSON.stringify(name ?? '')}`);
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) usage(`invalid port ${JSON.stringify(values.port)}`);
const eventsMode = values['no-kafka'] || process.env[MESH_EVENTS_ENV] === 'memory' ? 'memory' : 'kafka';
// Before the server and the bus exist: OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set, silent otherwise.
const telemetry = startTelemetry({ serviceName: name });

let bus: EventBus | undefined;
let service: Awaited<ReturnType<typeof startService>>;
try {
  if (eventsMode === 'kafka') {
    bus = createEventBus({ source: name });
    await bus.provisionChannels();
  }
  service = await startService(name, { port: port ?? listenPortOf(name), host: values.host, events: bus });
} catch (error) {
  await bus?.close().catch(() => undefined);
  await telemetry.shutdown().catch(() => undefined);
  startFailed(name, error);
}
process.stdout.write(`${JSON.stringify({ service: name, url: service.url, events: eventsMode })}\n`);

let stopping = false;
const stop = (reason: string) => {
  if (stopping) return;
  stopping = true;
  // The server drains first: in-flight calls may still publish their events.
  service
    .close()
    .then(() => bus?.close())
    // Last: the spans of the drained calls and the final metrics are flushed.
    .then(() => telemetry.shutdown())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: close failed after ${reason}: ${String(error)}\n`);
        process.exit(1);
      },
    );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A parent that spawned us with an IPC channel (mesh up) owns our lifetime:
// if it dies without stopping us, the channel closes and we stop too.
if (process.send) process.on('disconnect', () => stop('parent exit'));
