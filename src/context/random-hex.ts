import { randomFillSync } from 'node:crypto';

/** RANDOM_POOL_BYTES is how much entropy randomHex draws from the OS at once. */
export const RANDOM_POOL_BYTES = 4096;

const pool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
let offset = RANDOM_POOL_BYTES;

/**
 * randomHex returns `bytes` cryptographically random bytes as lowercase hex,
 * cut in turn from a pool refilled RANDOM_POOL_BYTES at a time (as Node does
 * for randomUUID): one randomBytes call per id costs microseconds, and trace
 * and span ids are needed on every outgoing call and every consumed event.
 */
export function randomHex(bytes: number): string {
  if (offset + bytes > RANDOM_POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
