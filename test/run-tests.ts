// The test command: make sure a broker answers (start one if needed), then run
// every *.test.ts under test/ with node's test runner, pointed at that broker.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKafka } from '../src/kafka/ensure-kafka.js';
import { fail } from '../src/cli/fail.js';

/** TEST_CONCURRENCY is how many test files run at once; 2 cores leave little room. */
const TEST_CONCURRENCY = process.env.TEST_CONCURRENCY ?? '2';
/**
 * TEST_KAFKA_PORT keeps the tests' broker apart from the one `npm start` uses
 * (9092): tests publish to the real channel topics, and a running dev mesh
 * would otherwise consume them (a test's BidAccepted started a dev saga).
 */
const TEST_KAFKA_PORT = 19092;

const testDir = fileURLToPath(new URL('.', import.meta.url));
const root = join(testDir, '..');

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests(testDir)
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

const broker = await ensureKafka({ ephemeral: true, port: TEST_KAFKA_PORT }).catch(fail);
process.stdout.write(`test: Kafka ${broker.reused ? 'reused' : 'started'} at ${broker.brokers.join(',')} (${broker.startupMs} ms)\n`);

const runner = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${TEST_CONCURRENCY}`, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, KAFKA_BROKERS: broker.brokers.join(',') },
});
const forward = (signal: NodeJS.Signals) => runner.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const exitCode = await new Promise<number>((resolve) => runner.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
await broker.stop();
process.exit(exitCode);
