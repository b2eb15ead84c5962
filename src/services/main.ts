// Runs one reference service as its own process:
//   node --import tsx src/services/main.ts <service> [--port N] [--host H]
// Without --port it listens on the port of <SERVICE>_SERVICE_URL, else 3001-3006.
// It prints one JSON line, {"service":"auth","url":"http://127.0.0.1:3001"},
// once listening, and closes gracefully on SIGTERM or SIGINT.
import { parseArgs } from 'node:util';
import { isServiceName, listenPortOf, SERVICE_NAMES } from './service-catalog.js';
import { startService } from './start-service.js';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: main.ts <${SERVICE_NAMES.join('|')}> [--port N] [--host H]\n`);
  process.exit(2);
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' } } });
const [name] = positionals;
if (name === undefined || !isServiceName(name)) usage(`unknown service ${JSON.stringify(name ?? '')}`);
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) usage(`invalid port ${JSON.stringify(values.port)}`);

const service = await startService(name, { port: port ?? listenPortOf(name), host: values.host });
process.stdout.write(`${JSON.stringify({ service: name, url: service.url })}\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  service.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${name}: close failed after ${signal}: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
