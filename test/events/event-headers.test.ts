import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cloudEventAttribute, readHeaders } from '../../src/events/index.js';

describe('event headers', () => {
  test('readHeaders decodes bytes exactly as Buffer#toString does, BOM and invalid UTF-8 included', () => {
    const values = [Buffer.from('\ufeffbom'), Buffer.from([0xff, 0x41]), Buffer.from([0xe2, 0x82, 0x41, 0xff, 0xfe]), Buffer.from('héllo'), Buffer.alloc(0)];
    const headers = readHeaders(Object.fromEntries(values.map((value, i) => [`H${i}`, value])));
    for (const [i, value] of values.entries()) assert.equal(headers[`h${i}`], value.toString('utf8'));
  });

  test('cloudEventAttribute prefers the Kafka spelling and falls back to the HTTP one, trimmed', () => {
    assert.equal(cloudEventAttribute({ 'ce-id': ' a ' }, 'ce_id'), 'a');
    assert.equal(cloudEventAttribute({ ce_id: 'kafka', 'ce-id': 'http' }, 'ce_id'), 'kafka');
    assert.equal(cloudEventAttribute({ 'content-type': 'x' }, 'content-type'), 'x');
    assert.equal(cloudEventAttribute({ ce_id: '  ' }, 'ce_id'), undefined);
    assert.equal(cloudEventAttribute({}, 'ce_causationid'), undefined, 'asked twice: the cached spelling still misses');
    assert.equal(cloudEventAttribute({ 'ce-causationid': 'c' }, 'ce_causationid'), 'c');
  });
});
