import { setTimeout as sleep } from 'node:timers/promises';

/**
 * readCommitted reads until `settled` accepts what it read, or `timeoutMs`
 * passed, and returns the last read for the caller to assert on. A Kafka
 * commit returns once the transaction coordinator logged it; the markers that
 * make its records readable to read_committed consumers follow, so a read
 * right after a commit may miss that commit.
 */
export async function readCommitted<T>(read: () => Promise<T>, settled: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!settled(value) && Date.now() < deadline) {
    await sleep(200);
    value = await read();
  }
  return value;
}
