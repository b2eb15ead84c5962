// Runs one reference service (src/services/main.ts) as a child process and
// keeps its stderr, so a test can tell the process survived and logged no crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/services/main.ts', import.meta.url));

/** ServiceProcess is a reference service in its own process. */
export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  /** stderr is everything the process wrote to stderr so far. */
  stderr(): string;
  /** alive tells whether the process is still running. */
  alive(): boolean;
  /** stop sends SIGTERM, waits for the exit and returns its code (or signal). */
  stop(): Promise<number | string>;
}

/** startServiceProcess starts `node --import tsx src/services/main.ts <name> --port 0 --no-kafka` and waits for its URL. */
export async function startServiceProcess(name: string): Promise<ServiceProcess> {
  // With an IPC channel the child stops when this process dies (see main.ts).
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, name, '--port', '0', '--no-kafka'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal ?? -1) as number | string);
  const line = await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line').then(([first]) => first as string),
    exited.then((code) => Promise.reject(new Error(`${name} exited (${code}) before listening: ${stderr}`))),
  ]);
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid!,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
