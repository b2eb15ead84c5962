import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIdempotentHandler, createMemoryDedupeStore, type ConsumedEvent } from '../../src/events/index.js';

const event = (id: string) => ({ id }) as ConsumedEvent;

describe('idempotent handler', () => {
  test('a redelivered event has one effect; a failed one may run again', async () => {
    const effects: string[] = [];
    const duplicates: string[] = [];
    let failNext = true;
    const handler = createIdempotentHandler(
      async (e) => {
        if (e.id === 'b' && failNext) {
          failNext = false;
          throw new Error('boom');
        }
        effects.push(e.id);
      },
      { onDuplicate: (e) => duplicates.push(e.id) },
    );
    await handler(event('a'));
    await handler(event('a'));
    await assert.rejects(handler(event('b')));
    await handler(event('b'));
    await handler(event('b'));
    assert.deepEqual(effects, ['a', 'b']);
    assert.deepEqual(duplicates, ['a', 'b']);
  });

  test('concurrent deliveries of one id run once', async () => {
    let runs = 0;
    const handler = createIdempotentHandler(async () => {
      runs++;
      await sleep(20);
    });
    await Promise.all([handler(event('x')), handler(event('x')), handler(event('x'))]);
    assert.equal(runs, 1);
  });

  test('the memory store is bounded and forgets the oldest id first', async () => {
    const store = createMemoryDedupeStore({ capacity: 2 });
    await store.add('1');
    await store.add('2');
    await store.add('1');
    await store.add('3');
    assert.deepEqual([await store.has('1'), await store.has('2'), await store.has('3')], [true, false, true]);
  });
});
