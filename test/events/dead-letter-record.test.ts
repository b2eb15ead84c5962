import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEAD_LETTER_RECORD_OVERHEAD_BYTES, DeadLetterHeaders, deadLetterRecord } from '../../src/events/index.js';
import type { ConsumedRecord } from '../../src/kafka/index.js';

const reason = { code: 'EVENT_TOO_LARGE', message: 'too big', attempts: 0, group: 'g' };
const consumed = (value: Buffer | null, headers: ConsumedRecord['headers'] = { ce_type: 'auth.v1.UserCreated' }): ConsumedRecord => ({
  topic: 'events.users',
  partition: 2,
  offset: '41',
  key: Buffer.from('agg-1'),
  value,
  headers,
  timestamp: '0',
});

function recordBytes(record: ReturnType<typeof deadLetterRecord>): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers ?? {})) size += Buffer.byteLength(name) + Buffer.byteLength(String(value));
  return size;
}

describe('deadLetterRecord', () => {
  test('a copy that fits keeps the value byte for byte and says nothing of truncation', () => {
    const value = Buffer.alloc(10_000, 1);
    const dead = deadLetterRecord(consumed(value), reason, new Date(0), 1_048_588);
    assert.equal(dead.value, value);
    assert.equal(dead.headers?.[DeadLetterHeaders.ORIGINAL_VALUE_BYTES], undefined);
  });

  test('a copy over the limit keeps key, headers and the first bytes of the value, within the limit, and names the original size', () => {
    const value = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251));
    const limit = 20_000;
    const dead = deadLetterRecord(consumed(value), reason, new Date(0), limit);
    const kept = dead.value as Buffer;
    assert.equal(dead.headers?.[DeadLetterHeaders.ORIGINAL_VALUE_BYTES], '50000');
    assert.deepEqual(kept, value.subarray(0, kept.length));
    assert.ok(recordBytes(dead) + DEAD_LETTER_RECORD_OVERHEAD_BYTES <= limit, `${recordBytes(dead)} bytes fit ${limit} with the overhead`);
    assert.ok(recordBytes(dead) + DEAD_LETTER_RECORD_OVERHEAD_BYTES > limit - 64, 'and no more was cut than needed');
    assert.equal(String(dead.key), 'agg-1');
    assert.equal(dead.headers?.ce_type, 'auth.v1.UserCreated');
    assert.equal(dead.headers?.[DeadLetterHeaders.ERROR_CODE], 'EVENT_TOO_LARGE');
  });

  test('headers alone over the limit leave an empty value rather than a record the broker refuses', () => {
    const dead = deadLetterRecord(consumed(Buffer.alloc(100), { big: 'x'.repeat(5000) }), reason, new Date(0), 2000);
    assert.equal((dead.value as Buffer).length, 0);
    assert.equal(dead.headers?.[DeadLetterHeaders.ORIGINAL_VALUE_BYTES], '100');
  });

  test('dead-lettered again, a truncated record keeps its first original size', () => {
    const first = deadLetterRecord(consumed(Buffer.alloc(50_000)), reason, new Date(0), 20_000);
    const again = deadLetterRecord(consumed(first.value as Buffer, first.headers), { ...reason, code: 'DECODE_FAILED' }, new Date(0), 10_000);
    assert.equal(again.headers?.[DeadLetterHeaders.ORIGINAL_VALUE_BYTES], '50000');
    assert.equal(again.headers?.[DeadLetterHeaders.ERROR_CODE], 'DECODE_FAILED');
    assert.ok((again.value as Buffer).length < (first.value as Buffer).length);
  });
});
