import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeHeaderReader } from '../../../src/rpc/server/index.js';

test('nodeHeaderReader reads a node header object as Headers.get reads its fetch copy', () => {
  const headers = { traceparent: '00-abc', 'x-dup': ['a', 'b'], 'content-length': '12' };
  const reader = nodeHeaderReader(headers);
  const web = new Headers();
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) web.append(name, v);
  for (const name of ['traceparent', 'x-dup', 'content-length', 'x-missing']) assert.equal(reader.get(name), web.get(name), name);
  assert.equal(reader.get('x-dup'), 'a, b');
  assert.equal(reader.get('x-missing'), null);
});
