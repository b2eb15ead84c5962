import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RANDOM_POOL_BYTES } from '../../src/context/random-hex.js';
import { newSpanId, newTraceId } from '../../src/context/request-context.js';

describe('newTraceId and newSpanId', () => {
  test('gives W3C-shaped trace ids that do not repeat across refills of the pool', () => {
    const seen = new Set<string>();
    // Enough ids to refill the shared pool several times.
    for (let i = 0; i < (RANDOM_POOL_BYTES / 16) * 3 + 7; i++) {
      const id = newTraceId();
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.ok(!seen.has(id), `trace id ${id} came twice`);
      seen.add(id);
    }
  });

  test('span ids are 8 random bytes in hex', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSpanId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
  });
});
