// The bench command (`npm run bench [name...]`): find every
// bench/<area>/*.bench.ts and run each in its own Node process, one after the
// other (benchmarks must not share a CPU with each other). A name argument
// picks the benches whose area or file name contains it, e.g. `npm run bench rpc`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = join(benchDir, '..');

/** findBenches lists bench/<area>/*.bench.ts, relative to the repository root, sorted. */
function findBenches(): string[] {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((area) => area.isDirectory())
    .flatMap((area) =>
      readdirSync(join(benchDir, area.name), { withFileTypes: true })
        .filter((file) => file.isFile() && file.name.endsWith('.bench.ts'))
        .map((file) => relative(root, join(benchDir, area.name, file.name))),
    )
    .sort();
}

function runOne(file: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    }),
  );
}

const names = process.argv.slice(2);
const all = findBenches();
const selected = all.filter((file) => names.length === 0 || names.some((name) => file.includes(name)));
if (selected.length === 0) {
  process.stderr.write(`bench: nothing matches ${names.join(', ')}; found ${all.join(', ') || 'no benches'}\n`);
  process.exit(2);
}

const failed: string[] = [];
for (const file of selected) {
  process.stdout.write(`\n=== ${file}\n`);
  const started = performance.now();
  const code = await runOne(file);
  process.stdout.write(`=== ${file}: ${code === 0 ? 'done' : `failed (exit ${code})`} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (code !== 0) failed.push(file);
}
process.exit(failed.length === 0 ? 0 : 1);
