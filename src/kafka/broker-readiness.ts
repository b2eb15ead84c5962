import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from 'kafkajs';
import { createKafka } from './create-kafka.js';

/** DEFAULT_READY_TIMEOUT_MS bounds how long a broker may take to answer metadata. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

const PROBE_INTERVAL_MS = 250;
const PROBE_CONNECTION_TIMEOUT_MS = 1_000;

/**
 * isPortOpen tells whether something accepts TCP connections at host:port,
 * whatever it is.
 */
export function isPortOpen(host: string, port: number, timeoutMs = PROBE_CONNECTION_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * answersMetadata tells whether the brokers answer a metadata request, which
 * is what "ready" means to every client (an open port is not enough).
 */
export async function answersMetadata(brokers: string[]): Promise<boolean> {
  const admin = createKafka({
    clientId: 'mesh-readiness-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: PROBE_CONNECTION_TIMEOUT_MS,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * waitForMetadata polls until the brokers answer metadata, or returns false
 * when the timeout passes or `stillRunning` says the broker process is gone.
 */
export async function waitForMetadata(
  brokers: string[],
  { timeoutMs = DEFAULT_READY_TIMEOUT_MS, stillRunning = () => true }: { timeoutMs?: number; stillRunning?: () => boolean } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && stillRunning()) {
    if (await answersMetadata(brokers)) return true;
    await sleep(PROBE_INTERVAL_MS);
  }
  return false;
}
