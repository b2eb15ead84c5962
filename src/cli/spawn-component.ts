import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './cli-error.js';
import { REPO_ROOT } from './repo-root.js';
import { childExit, stopChildProcess, type ChildExit } from './stop-child-process.js';

/** DEFAULT_ANNOUNCE_TIMEOUT_MS bounds how long a component may take to print its ready line (tsx compiles on a cold cache, Kafka topics get provisioned). */
export const DEFAULT_ANNOUNCE_TIMEOUT_MS = 60_000;

/** STDERR_TAIL_LINES is how many of a child's last stderr lines are kept to explain a failed start. */
export const STDERR_TAIL_LINES = 20;

/** STDIO_DRAIN_MS bounds the wait for a dead child's last output. */
export const STDIO_DRAIN_MS = 1_000;

/** SpawnComponentOptions configure spawnComponent. */
export interface SpawnComponentOptions {
  /** name labels the component in messages. */
  name: string;
  /** script is the TypeScript entry point, run as `node --import tsx <script> ...args` from the project root. */
  script: string;
  args?: readonly string[];
  /** logFile receives the child's stderr, and its stdout after the ready line (appended). */
  logFile: string;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue DEFAULT_ANNOUNCE_TIMEOUT_MS */
  announceTimeoutMs?: number;
  /** signal abandons the start: the child is stopped and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** SpawnedComponent is a child process that printed its ready line. */
export interface SpawnedComponent<Announcement> {
  readonly child: ChildProcess;
  readonly pid: number;
  /** announcement is the JSON of the child's first stdout line. */
  readonly announcement: Announcement;
  readonly logFile: string;
  /** exited resolves when the child exits, whoever stopped it. */
  readonly exited: Promise<ChildExit>;
  /** tail returns the child's last stderr lines. */
  tail(): string[];
  /** stop sends SIGTERM, then SIGKILL after the timeout; resolves once the child is gone. */
  stop(timeoutMs?: number): Promise<ChildExit>;
}

/**
 * spawnComponent starts a component process and resolves with its first
 * stdout line, a JSON announcement that it is ready. The child runs in its
 * own process group, so terminal signals go to this process alone, and gets
 * an IPC channel, so a component that watches it ('disconnect') stops by
 * itself if this process dies without stopping it. A child that exits, prints
 * something else or stays silent past the timeout fails the start with a
 * CliError naming the last line it wrote on stderr; nothing is left running.
 */
export async function spawnComponent<Announcement>(options: SpawnComponentOptions): Promise<SpawnedComponent<Announcement>> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', options.script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: a Ctrl-C in the terminal reaches only this
    // process, which stops its clients first and then the component, in order.
    detached: true,
  });
  const exited = childExit(child);
  const tailLines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    log.write(`${line}\n`);
    tailLines.push(line);
    if (tailLines.length > STDERR_TAIL_LINES) tailLines.shift();
  });
  void exited.then(() => log.end());

  let announce!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (announce = resolve));
  let announced = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (announced) return void log.write(`${line}\n`);
    announced = true;
    announce(line);
  });
  // A child that cannot be spawned at all emits 'error' and maybe never 'exit'.
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, options.announceTimeoutMs ?? DEFAULT_ANNOUNCE_TIMEOUT_MS, 'timeout')));
  const aborted = new Promise<'aborted'>((resolve) => {
    if (options.signal?.aborted) resolve('aborted');
    options.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const outcome = await Promise.race([firstLine, exited, timedOut, aborted, spawnFailed]);
  clearTimeout(timer);

  const lastWords = () => (tailLines.length > 0 ? `: ${tailLines.at(-1)}` : '');
  if (outcome instanceof Error) {
    throw new CliError('COMPONENT_START_FAILED', `${options.name} could not be spawned: ${outcome.message}`, { cause: outcome });
  }
  if (typeof outcome !== 'string') {
    // 'exit' can come before the pipes drain: let the last stderr lines arrive before quoting them.
    await Promise.race([once(child, 'close'), sleep(STDIO_DRAIN_MS)]);
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
    throw new CliError('COMPONENT_START_FAILED', `${options.name} ${how} before it was ready${lastWords()} (log: ${options.logFile})`);
  }
  if (outcome === 'aborted') {
    await stopChildProcess(child);
    throw options.signal!.reason;
  }
  if (outcome === 'timeout') {
    await stopChildProcess(child);
    throw new CliError('COMPONENT_NOT_READY', `${options.name} was not ready within ${options.announceTimeoutMs ?? DEFAULT_ANNOUNCE_TIMEOUT_MS} ms${lastWords()} (log: ${options.logFile})`);
  }
  let announcement: Announcement;
  try {
    announcement = JSON.parse(outcome) as Announcement;
  } catch {
    await stopChildProcess(child);
    throw new CliError('COMPONENT_START_FAILED', `${options.name} printed ${JSON.stringify(outcome)} instead of its JSON ready line (log: ${options.logFile})`);
  }
  return {
    child,
    pid: child.pid!,
    announcement,
    logFile: options.logFile,
    exited,
    tail: () => [...tailLines],
    stop: (timeoutMs) => stopChildProcess(child, timeoutMs),
  };
}
