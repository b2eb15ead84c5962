import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomTraceId, TRACE_ID_POOL_SIZE } from '../../src/events/random-trace-id.js';

describe('randomTraceId', () => {
  test('gives W3C-shaped trace ids that do not repeat across refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < TRACE_ID_POOL_SIZE * 3 + 7; i++) {
      const id = randomTraceId();
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.ok(!seen.has(id), `trace id ${id} came twice`);
      seen.add(id);
    }
  });
});
