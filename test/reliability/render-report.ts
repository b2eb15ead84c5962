// `npm run reliability`: runs every test file that records reliability rows
// (found by searching test/ for calls of recordReliability) through the test
// command, with RELIABILITY_REPORT pointing at a scratch file, then renders
// RELIABILITY.md from the rows. Exits 1 when the run failed, a file recorded
// no row, or any row lost something or had a duplicate effect.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KAFKA_VERSION } from '../../src/kafka/kafka-artifacts.js';
import { failingRows, renderReliabilityMarkdown } from '../support/reliability-markdown.js';
import { RELIABILITY_REPORT_ENV, type ReliabilityRow } from '../support/reliability-report.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RECORDS_ROWS = 'recordReliability(';
const OUTPUT = join(root, 'RELIABILITY.md');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = testFiles(join(root, 'test'))
  .filter((file) => readFileSync(file, 'utf8').includes(RECORDS_ROWS))
  .map((file) => relative(root, file))
  .sort();
if (files.length === 0) {
  process.stderr.write(`reliability: no test file under test/ calls ${RECORDS_ROWS}...)\n`);
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'reliability-'));
const report = join(scratch, 'rows.jsonl');
writeFileSync(report, '');
const args = ['test', '--', ...files];
const command = `npm ${args.join(' ')}`;
const date = new Date();
const load = loadavg()[0]!.toFixed(1);
process.stdout.write(`reliability: ${command}\n`);

const runner = spawn('npm', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [RELIABILITY_REPORT_ENV]: report } });
let output = '';
runner.stdout.setEncoding('utf8').on('data', (chunk: string) => {
  output += chunk;
  process.stdout.write(chunk);
});
const forward = (signal: NodeJS.Signals) => runner.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const exitCode = await new Promise<number>((resolve) => runner.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
const durationMs = Date.now() - date.getTime();

const rows = readFileSync(report, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as ReliabilityRow & { recordedAt?: string })
  .map(({ recordedAt: _recordedAt, ...row }) => row);
rmSync(scratch, { recursive: true, force: true });

const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
// A file is silent when no row's command names it (commands are `npm test -- <path filter>`).
const filters = rows.map((row) => row.command.split(' -- ')[1]?.trim() ?? '').filter(Boolean);
const silentFiles = files.filter((file) => !filters.some((filter) => file.includes(filter)));
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const machine = `${availableParallelism()} × ${cpu}, Node ${process.version}, Kafka ${DEFAULT_KAFKA_VERSION} (KRaft, single node); load average ${load} at the start (the machine is shared)`;

writeFileSync(OUTPUT, renderReliabilityMarkdown(rows, { date, machine, command, passed: exitCode === 0, tests: { pass: count('pass'), fail: count('fail') }, durationMs, silentFiles }));
const failing = failingRows(rows);
process.stdout.write(`reliability: ${rows.length} rows from ${files.length} test files written to ${relative(root, OUTPUT)}\n`);
for (const row of failing) process.stderr.write(`reliability: ${row.faultOrInput}: lost ${row.lost}, duplicates ${row.duplicates}\n`);
for (const file of silentFiles) process.stderr.write(`reliability: ${file} recorded no row\n`);
process.exit(exitCode !== 0 || failing.length > 0 || silentFiles.length > 0 ? 1 : 0);
