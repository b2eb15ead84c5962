import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** FixtureProcess is a test/telemetry/fixtures script running under tsx, its stdout collected by line. */
export interface FixtureProcess {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** waitForLine resolves with the first line matching `pattern`, or rejects after `timeoutMs` or when the process exits. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** exited resolves with the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  /** stop sends `signal` (unless the process is gone) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** startFixture runs fixtures/<name>.ts with `args` and the test's environment plus `env`. */
export function startFixture(name: string, args: string[], env: Record<string, string>): FixtureProcess {
  return startScript(fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url)), args, env, name);
}

/** startScript runs any TypeScript file under tsx (src/services/main.ts, for instance) like startFixture. */
export function startScript(script: string, args: string[], env: Record<string, string>, name = script): FixtureProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
    for (const listener of [...listeners]) listener();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? -1);
      for (const listener of [...listeners]) listener();
    }),
  );
  return {
    process: child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(l));
          if (line !== undefined) finish(() => resolve(line));
          else if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`${name} exited before printing ${pattern}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${name} printed no line matching ${pattern} within ${timeoutMs} ms`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** jsonLines returns the lines that parse as JSON objects (pino's output), parsed. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
