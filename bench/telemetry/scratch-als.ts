import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const server = fork(here('./telemetry-server.ts'), ['off', 'http://127.0.0.1:9'], { execArgv: ['--import', 'tsx'] });
const { port, userId } = await new Promise<{ port: number; userId: string }>((r) => server.once('message', r as never));
const url = `http://127.0.0.1:${port}`;
const clients = ['0', '1'].map((als) => fork(here('./scratch-als-client.ts'), [als, url, userId], { execArgv: ['--import', 'tsx'] }));
const next = (c: ReturnType<typeof fork>) => new Promise<any>((r) => c.once('message', r));
await Promise.all(clients.map(next));
const run = async (c: ReturnType<typeof fork>, ms: number) => { const p = next(c); c.send({ concurrency: 32, durationMs: ms }); return p; };
for (const c of clients) { let n = 0; while (n < 10000) n += (await run(c, 2000)).calls; }
const res: number[][] = [[], []];
for (let r = 0; r < Number(process.env.ROUNDS ?? 8); r++) {
  const order = r % 2 ? [1, 0] : [0, 1];
  for (const i of order) res[i]!.push((await run(clients[i]!, 1500)).cpu);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log('ALS off', res[0]!.map((x) => x.toFixed(0)).join(' '), 'median', med(res[0]!).toFixed(0));
console.log('ALS on ', res[1]!.map((x) => x.toFixed(0)).join(' '), 'median', med(res[1]!).toFixed(0));
console.log('load', loadavg().map((x) => x.toFixed(2)).join(' '));
for (const c of [...clients, server]) c.disconnect();
