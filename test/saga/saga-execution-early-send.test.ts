import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { SagaTransition_Kind as Kind } from '../../gen/mesh/v1/saga_pb.js';
import { applySagaTransition, defineSaga, executeSaga, startedTransition, type SagaLogAppendOptions, type SagaLogEntry } from '../../src/saga/index.js';

interface Write {
  kinds: string[];
  commitWithinMs: number | undefined;
}

// The scheduling of the background log's writes is pure logic over the
// `persist` it is given: these tests record the writes a saga issues (each
// resolves at once, as a committed transaction would) instead of sending
// them; test/saga/saga-log.test.ts and crash-background.test.ts cover the
// same writes on the broker.
async function run(options: { stepMs: number; sendEarly?: boolean; logOpen?: () => boolean }): Promise<Write[]> {
  const writes: Write[] = [];
  const step = async () => {
    if (options.stepMs > 0) await sleep(options.stepMs);
    return 'done';
  };
  const definition = defineSaga<object>({ name: 'early-send', version: 1 })
    .step({ name: 'a', execute: step })
    .step({ name: 'b', execute: step })
    .step({ name: 'c', execute: step })
    .output((_input, results) => results.c);
  const transition = startedTransition('saga-1', definition, {}, Date.now());
  const saga = applySagaTransition(undefined, transition);
  const result = await executeSaga(
    { saga, sequence: 0n, staged: [{ snapshot: saga, transition }] },
    {
      definition,
      logMode: 'background',
      lingerMs: 10_000,
      ...(options.sendEarly !== undefined ? { sendEarly: options.sendEarly } : {}),
      ...(options.logOpen ? { logOpen: options.logOpen } : {}),
      stop: new AbortController().signal,
      observe: () => undefined,
      persist: async (entries: readonly SagaLogEntry[], appendOptions?: SagaLogAppendOptions) => {
        writes.push({ kinds: entries.map((entry) => Kind[entry.transition.kind]), commitWithinMs: appendOptions?.commitWithinMs });
      },
    },
  );
  assert.equal(result.status, 'completed');
  return writes;
}

describe('background log: the early send', () => {
  test('steps that wait on I/O: the first transitions go out at once, allowed to wait the linger; the rest with the outcome, committed at once', async () => {
    const writes = await run({ stepMs: 20 });
    assert.deepEqual(writes, [
      { kinds: ['STARTED', 'STEP_STARTED'], commitWithinMs: 10_000 },
      { kinds: ['STEP_COMPLETED', 'STEP_STARTED', 'STEP_COMPLETED', 'STEP_STARTED', 'STEP_COMPLETED', 'COMPLETED'], commitWithinMs: undefined },
    ]);
  });

  test('steps that finish at once: the saga ends before anything is sent early, in one write', async () => {
    const writes = await run({ stepMs: 0 });
    assert.equal(writes.length, 1);
    assert.equal(writes[0]!.commitWithinMs, undefined);
    assert.deepEqual(writes[0]!.kinds.at(-1), 'COMPLETED');
  });

  test('the partition already has an open transaction: nothing is sent early (it would add a Produce and open nothing), one write with the outcome', async () => {
    let asked = 0;
    const writes = await run({ stepMs: 20, logOpen: () => (asked++, true) });
    assert.ok(asked >= 1, 'the log was asked');
    assert.deepEqual(writes, [{ kinds: ['STARTED', 'STEP_STARTED', 'STEP_COMPLETED', 'STEP_STARTED', 'STEP_COMPLETED', 'STEP_STARTED', 'STEP_COMPLETED', 'COMPLETED'], commitWithinMs: undefined }]);
  });

  test('the partition has no open transaction: the early send goes', async () => {
    const writes = await run({ stepMs: 20, logOpen: () => false });
    assert.equal(writes.length, 2);
    assert.equal(writes[0]!.commitWithinMs, 10_000);
  });

  test('sendEarly false: one write, with the outcome', async () => {
    const writes = await run({ stepMs: 20, sendEarly: false });
    assert.equal(writes.length, 1);
    assert.equal(writes[0]!.commitWithinMs, undefined);
    assert.deepEqual(writes[0]!.kinds, ['STARTED', 'STEP_STARTED', 'STEP_COMPLETED', 'STEP_STARTED', 'STEP_COMPLETED', 'STEP_STARTED', 'STEP_COMPLETED', 'COMPLETED']);
  });
});
