import { spawn, type ChildProcess } from 'node:child_process';
import { waitUntil } from './wait-until.js';

/** Child is a fixture process whose stdout lines are collected. */
export interface Child {
  process: ChildProcess;
  lines: string[];
  /** waitForLine waits until a line matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** exited resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** startFixture runs a TypeScript file with tsx, with the test's environment (KAFKA_BROKERS...) plus `env`. */
export function startFixture(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    process: child,
    lines,
    exited,
    async waitForLine(pattern, timeoutMs = 30_000) {
      await waitUntil(`a line matching ${pattern} from ${script}`, () => lines.some((line) => pattern.test(line)), timeoutMs);
      return lines.find((line) => pattern.test(line))!;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
