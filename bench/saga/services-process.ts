// The five reference services the saga benchmark calls, in a process of their
// own (as in a deployment, the coordinator does not share their event loop):
// prints `URLS <json>` once listening, exits when its stdin closes.
import { startService } from '../../src/services/start-service.js';

const names = ['market', 'billing', 'skillpod', 'cockpit', 'notification'] as const;
const running = await Promise.all(names.map((name) => startService(name, { port: 0, shutdownTimeoutMs: 500 })));
process.stdout.write(`URLS ${JSON.stringify(Object.fromEntries(running.map((service) => [service.name, service.url])))}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.allSettled(running.map((service) => service.close())).then(() => process.exit(0));
});
