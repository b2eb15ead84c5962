import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersMetadata, DEFAULT_READY_TIMEOUT_MS, isPortOpen, waitForMetadata } from './broker-readiness.js';
import { DEFAULT_KAFKA_CACHE_DIR, DEFAULT_KAFKA_VERSION, ensureKafkaArtifacts, requireCommand } from './kafka-artifacts.js';
import { DEFAULT_LOCAL_KAFKA_HOST, DEFAULT_LOCAL_KAFKA_PORT } from './kafka-brokers.js';
import { localBrokerLog4jProperties, localBrokerProperties, localBrokerScramArguments, type LocalBrokerSasl } from './local-broker-config.js';
import { LocalBrokerError } from './local-broker-error.js';

/** DEFAULT_BROKER_HEAP keeps the dev broker small on a 2-core machine. */
export const DEFAULT_BROKER_HEAP = '768m';

/** DEFAULT_STOP_TIMEOUT_MS is how long a controlled shutdown may take before SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

/** LocalBrokerOptions configures startLocalBroker; every field has a default. */
export interface LocalBrokerOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 9092 */
  port?: number;
  /** @defaultValue port + 1 */
  controllerPort?: number;
  /** Kafka release to run. @defaultValue DEFAULT_KAFKA_VERSION */
  version?: string;
  /** Where jars and persistent data live. @defaultValue .cache/kafka */
  cacheDir?: string;
  /**
   * A fresh data directory in the OS temp dir, deleted on stop (tests);
   * otherwise data persists under cacheDir so topics survive restarts.
   * @defaultValue false
   */
  ephemeral?: boolean;
  /**
   * This broker's own directory (config, log, data), kept on stop: a broker
   * started again on it finds its topics and offsets (restart tests).
   * Overrides `ephemeral` and `cacheDir` for the data; jars still come from `cacheDir`.
   * @defaultValue a fresh temp dir when ephemeral, else `<cacheDir>/node-<port>`
   */
  dataDir?: string;
  /** @defaultValue DEFAULT_BROKER_HEAP */
  heap?: string;
  /** @defaultValue DEFAULT_READY_TIMEOUT_MS */
  readyTimeoutMs?: number;
  /**
   * sasl adds a SASL_PLAINTEXT listener on its own port with these users
   * (PLAIN and SCRAM), and a SASL_SSL one with `sasl.tls`; the PLAINTEXT
   * port stays open for readiness probes.
   * SCRAM users are stored when the data directory is formatted, so a
   * persistent (non-ephemeral) directory keeps the users of its first start.
   * @defaultValue undefined (PLAINTEXT only)
   */
  sasl?: LocalBrokerSasl;
  /** Extra server properties. */
  overrides?: Record<string, string>;
}

/** LocalBroker is a running (or reused) broker and the way to stop it. */
export interface LocalBroker {
  brokers: string[];
  /** saslBrokers are the addresses of the SASL_PLAINTEXT listener, when `sasl` was given and this call started the broker. */
  saslBrokers?: string[];
  /** saslTlsBrokers are the addresses of the SASL_SSL listener, when `sasl.tls` was given and this call started the broker. */
  saslTlsBrokers?: string[];
  /** True when a broker was already answering on the port and was reused. */
  reused: boolean;
  /** The JVM's pid, when this call started it. */
  pid?: number;
  logFile?: string;
  /** Milliseconds from the call to a broker answering metadata. */
  startupMs: number;
  /** Stops the broker if this call started it; a reused broker is left running. */
  stop(): Promise<void>;
}

/**
 * startLocalBroker starts a single-node KRaft broker from the official
 * artifacts, or reuses one already answering on the port, and resolves once
 * the broker answers metadata.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const startedAt = Date.now();
  const host = options.host ?? DEFAULT_LOCAL_KAFKA_HOST;
  const port = options.port ?? DEFAULT_LOCAL_KAFKA_PORT;
  const controllerPort = options.controllerPort ?? port + 1;
  const brokers = [`${host}:${port}`];

  if (await isPortOpen(host, port)) {
    if (await answersMetadata(brokers)) {
      return { brokers, reused: true, startupMs: Date.now() - startedAt, stop: async () => undefined };
    }
    throw new LocalBrokerError('PORT_TAKEN', `Port ${host}:${port} is taken by something that is not a Kafka broker. Stop it, or set KAFKA_BROKERS to use an existing cluster.`);
  }
  if (await isPortOpen(host, controllerPort)) {
    throw new LocalBrokerError('PORT_TAKEN', `Controller port ${host}:${controllerPort} is taken. Free it, or choose another port.`);
  }
  for (const saslPort of [options.sasl?.port, options.sasl?.tls?.port]) {
    if (saslPort !== undefined && (await isPortOpen(host, saslPort))) {
      throw new LocalBrokerError('PORT_TAKEN', `SASL port ${host}:${saslPort} is taken. Free it, or choose another port.`);
    }
  }

  requireCommand('java', 'JAVA_NOT_FOUND', 'Java 17+ is needed to run the local Kafka broker: install a JDK, or set KAFKA_BROKERS to use an existing cluster.');
  const version = options.version ?? process.env.KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  const cacheDir = options.cacheDir ?? DEFAULT_KAFKA_CACHE_DIR;
  const artifacts = ensureKafkaArtifacts({ version, cacheDir });

  const ephemeral = options.dataDir === undefined && (options.ephemeral ?? false);
  const nodeDir = options.dataDir ?? (ephemeral ? mkdtempSync(join(tmpdir(), 'mesh-kafka-')) : join(cacheDir, `node-${port}`));
  const logDir = join(nodeDir, 'data');
  const configFile = join(nodeDir, 'server.properties');
  const log4jFile = join(nodeDir, 'log4j2.properties');
  const logFile = join(nodeDir, 'server.log');
  mkdirSync(logDir, { recursive: true });
  writeFileSync(configFile, localBrokerProperties({ host, port, controllerPort, logDir, sasl: options.sasl, overrides: options.overrides }), { mode: 0o600 });
  writeFileSync(log4jFile, localBrokerLog4jProperties(logFile));

  const javaBase = ['-cp', artifacts.classpath, `-Dlog4j2.configurationFile=${log4jFile}`];
  if (!existsSync(join(logDir, 'meta.properties'))) formatStorage(javaBase, configFile, localBrokerScramArguments(options.sasl));

  const heap = options.heap ?? DEFAULT_BROKER_HEAP;
  const stdio = openSync(logFile.replace(/\.log$/, '.out'), 'a');
  const child = spawn(
    'java',
    [`-Xms256m`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', ...javaBase, 'kafka.Kafka', configFile],
    // Its own process group: a terminal's Ctrl-C must not stop the broker
    // while the services that use it are still draining; stop() does it last.
    { stdio: ['ignore', stdio, stdio], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;

  const stop = async (): Promise<void> => {
    await stopProcess(child, exited);
    if (ephemeral) rmSync(nodeDir, { recursive: true, force: true });
  };

  const ready = await waitForMetadata(brokers, { timeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, stillRunning: isRunning });
  if (!ready) {
    const running = isRunning();
    await stop();
    const tail = readTail(logFile);
    throw running
      ? new LocalBrokerError('NOT_READY', `Kafka did not answer metadata on ${brokers[0]} in time. Its log: ${logFile}\n${tail}`)
      : new LocalBrokerError('BROKER_EXITED', `Kafka exited during start-up (code ${child.exitCode ?? child.signalCode}). Its log: ${logFile}\n${tail}`);
  }
  const saslBrokers = options.sasl ? [`${host}:${options.sasl.port}`] : undefined;
  const saslTlsBrokers = options.sasl?.tls ? [`${host}:${options.sasl.tls.port}`] : undefined;
  return { brokers, ...(saslBrokers && { saslBrokers }), ...(saslTlsBrokers && { saslTlsBrokers }), reused: false, pid: child.pid, logFile, startupMs: Date.now() - startedAt, stop };
}

function formatStorage(javaBase: string[], configFile: string, scramArguments: string[]): void {
  // A KRaft cluster id is a base64url UUID; generating it here saves one JVM start.
  // Passed as --cluster-id=... because an id may start with '-', which the tool's
  // argument parser would take for an option.
  const clusterId = randomBytes(16).toString('base64url');
  const result = spawnSync('java', [...javaBase, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', configFile, ...scramArguments], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new LocalBrokerError('FORMAT_FAILED', `Formatting the Kafka data directory failed:\n${result.stdout}${result.stderr}`);
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), DEFAULT_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function readTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}
