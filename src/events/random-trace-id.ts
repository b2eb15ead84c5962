import { randomBytes } from 'node:crypto';

/** TRACE_ID_POOL_SIZE is how many trace ids one call to the CSPRNG provides. */
export const TRACE_ID_POOL_SIZE = 256;

const TRACE_ID_HEX_LENGTH = 32;
let pool = '';
let offset = 0;

/**
 * randomTraceId returns a random W3C trace id (32 lowercase hex), as
 * newTraceId of src/context does, but cut from a pool of random hex: a
 * subscription starts a trace for every event that arrives without
 * `traceparent`, and one `randomBytes` call per event cost more than the rest
 * of decoding it (crypto.randomUUID keeps a pool for the same reason).
 */
export function randomTraceId(): string {
  if (offset + TRACE_ID_HEX_LENGTH > pool.length) {
    pool = randomBytes((TRACE_ID_HEX_LENGTH / 2) * TRACE_ID_POOL_SIZE).toString('hex');
    offset = 0;
  }
  const id = pool.slice(offset, offset + TRACE_ID_HEX_LENGTH);
  offset += TRACE_ID_HEX_LENGTH;
  return id;
}
