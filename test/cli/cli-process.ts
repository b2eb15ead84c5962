import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, ServiceCatalog, type ServiceName } from '../../src/services/service-catalog.js';

const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** CliProcess is the `mesh` CLI running as a subprocess, with its output collected line by line. */
export interface CliProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** waitForLine resolves with the first stdout line matching `pattern` (already printed or to come). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** exited resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** runCli starts `node --import tsx src/cli/main.ts ...args` from the project root. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    for (const waiter of waiters) waiter(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = once(child, 'close').then(() => child.exitCode);
  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine(pattern, timeoutMs) {
      const seen = stdout.map((line) => line.match(pattern)).find((match) => match !== null);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.slice(-20).join('\n')}`));
        }, timeoutMs);
        const waiter = (line: string) => {
          const match = line.match(pattern);
          if (!match) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(match);
        };
        waiters.add(waiter);
        void exited.then(() => waiter(''));
      });
    },
  };
}

/** freePorts returns `count` ports nothing listens on right now (asked of the OS, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** meshEnv points every *_SERVICE_URL at 127.0.0.1 on the given ports (in SERVICE_NAMES order). */
export function meshEnv(ports: readonly number[]): { env: NodeJS.ProcessEnv; urls: Record<ServiceName, string> } {
  const urls = Object.fromEntries(SERVICE_NAMES.map((name, index) => [name, `http://127.0.0.1:${ports[index]}`])) as Record<ServiceName, string>;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVICE_NAMES) env[ServiceCatalog[name].urlEnvVar] = urls[name];
  return { env, urls };
}

/** isAlive says whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** CliResult is a finished CLI run: exit code and output. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** DEFAULT_CLI_RUN_TIMEOUT_MS bounds one short CLI command on a loaded 2-core machine. */
export const DEFAULT_CLI_RUN_TIMEOUT_MS = 60_000;

/** runCliToEnd runs a short CLI command to its end (killing it after the timeout) and returns its exit code and output. */
export async function runCliToEnd(args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_CLI_RUN_TIMEOUT_MS): Promise<CliResult> {
  const cli = runCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await cli.exited;
    return { code, stdout: cli.stdout.join('\n'), stderr: cli.stderr.join('\n') };
  } finally {
    clearTimeout(timer);
  }
}
