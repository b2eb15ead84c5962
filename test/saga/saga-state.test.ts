import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, equals, type MessageInitShape } from '@bufbuild/protobuf';
import { SagaSchema, SagaStatus, SagaStepStatus, SagaTransition_Kind as Kind, SagaTransitionSchema, type SagaTransition } from '../../gen/mesh/v1/saga_pb.js';
import {
  applySagaTransition,
  defineSaga,
  foldSagaHistory,
  inDoubtStep,
  inDoubtSteps,
  jsonCodec,
  SagaError,
  sagaIdempotencyKey,
  sagaPartition,
  SagaRegistry,
  timestampOf,
} from '../../src/saga/index.js';

function transitions(sagaId: string): SagaTransition[] {
  const kinds: [Kind, MessageInitShape<typeof SagaTransitionSchema>][] = [
    [Kind.STARTED, { output: new Uint8Array([1]) }],
    [Kind.STEP_STARTED, { stepName: 'a', stepIndex: 0, attempt: 1 }],
    [Kind.STEP_COMPLETED, { stepName: 'a', stepIndex: 0, attempt: 1, output: new Uint8Array([2]) }],
    [Kind.STEP_STARTED, { stepName: 'b', stepIndex: 1, attempt: 1 }],
    [Kind.STEP_STARTED, { stepName: 'b', stepIndex: 1, attempt: 2 }],
    [Kind.STEP_FAILED, { stepName: 'b', stepIndex: 1, attempt: 2, error: 'boom' }],
    [Kind.COMPENSATING, { error: 'step b failed: boom', stepIndex: 1 }],
    [Kind.STEP_COMPENSATED, { stepName: 'a', stepIndex: 0 }],
    [Kind.COMPENSATED, { error: 'step b failed: boom' }],
  ];
  return kinds.map(([kind, fields], index) =>
    create(SagaTransitionSchema, { sagaId, name: 'demo', definitionVersion: 3, kind, ...fields, at: timestampOf(1_000 + index), sequence: BigInt(index + 1) }),
  );
}

describe('saga state', () => {
  test('applySagaTransition folds a compensated saga step by step', () => {
    let saga = undefined;
    const seen: SagaStatus[] = [];
    for (const transition of transitions('s1')) {
      saga = applySagaTransition(saga, transition);
      seen.push(saga.status);
    }
    assert.ok(saga);
    assert.equal(saga.status, SagaStatus.COMPENSATED);
    assert.equal(saga.definitionVersion, 3);
    assert.deepEqual([...saga.input], [1]);
    assert.deepEqual(
      saga.steps.map((step) => [step.name, SagaStepStatus[step.status], step.attempts]),
      [
        ['a', 'COMPENSATED', 1],
        ['b', 'FAILED', 2],
      ],
    );
    assert.deepEqual([...saga.steps[0]!.output], [2], 'a compensated step keeps its result');
    assert.equal(saga.error, 'step b failed: boom');
    assert.equal(seen.at(-3), SagaStatus.COMPENSATING);
    assert.ok(saga.finishedAt);
  });

  test('foldSagaHistory drops repeated transitions and keeps sagas apart', () => {
    const one = transitions('s1');
    const two = transitions('s2').slice(0, 3);
    const folded = foldSagaHistory([...one.slice(0, 4), one[2]!, ...two, ...one.slice(4), one[8]!]);
    assert.equal(folded.size, 2);
    const direct = one.reduce<ReturnType<typeof applySagaTransition> | undefined>((saga, transition) => applySagaTransition(saga, transition), undefined)!;
    assert.ok(equals(SagaSchema, folded.get('s1')!.saga, direct));
    assert.equal(folded.get('s1')!.sequence, 9n);
    assert.equal(folded.get('s2')!.saga.status, SagaStatus.RUNNING);
    assert.equal(folded.get('s2')!.saga.steps[0]?.status, SagaStepStatus.COMPLETED);
  });

  test('a FAILED saga marks the step whose compensation could not finish', () => {
    const base = transitions('s3').slice(0, 7);
    const failed = create(SagaTransitionSchema, { sagaId: 's3', kind: Kind.FAILED, stepName: 'a', stepIndex: 0, error: 'compensation of step a failed: no', sequence: 8n });
    const saga = [...base, failed].reduce<ReturnType<typeof applySagaTransition> | undefined>((state, transition) => applySagaTransition(state, transition), undefined)!;
    assert.equal(saga.status, SagaStatus.FAILED);
    assert.equal(saga.error, 'compensation of step a failed: no');
    assert.equal(saga.steps[0]?.status, SagaStepStatus.COMPENSATING);
  });

  test('jsonCodec round-trips bigints and undefined', () => {
    const codec = jsonCodec<unknown>();
    const value = { units: 12345678901234567890n, nested: [{ n: 1n }], text: 'x' };
    assert.deepEqual(codec.decode(codec.encode(value)), value);
    assert.equal(codec.decode(codec.encode(undefined)), undefined);
  });

  test('sagaPartition is stable and in range; keys follow the proto convention', () => {
    for (const id of ['a', 'saga-1', 'a-much-longer-saga-identifier']) {
      const partition = sagaPartition(id, 6);
      assert.ok(partition >= 0 && partition < 6);
      assert.equal(sagaPartition(id, 6), partition);
    }
    const spread = new Set(Array.from({ length: 200 }, (_, i) => sagaPartition(`saga-${i}`, 6)));
    assert.equal(spread.size, 6);
    assert.equal(sagaIdempotencyKey('s1', 'createEscrow', 'compensate'), 's1:createEscrow:compensate');
  });

  test('the registry keeps versions apart and refuses bad or duplicate definitions', () => {
    const registry = new SagaRegistry();
    const one = defineSaga<void>({ name: 'r', version: 1 }).step({ name: 'a', execute: async () => 1 }).output(() => 1);
    const two = defineSaga<void>({ name: 'r', version: 2 }).step({ name: 'a', execute: async () => 2 }).output(() => 2);
    registry.register(two);
    registry.register(one);
    assert.equal(registry.latest('r'), two);
    assert.equal(registry.find('r', 1), one);
    assert.equal(registry.find('r', 3), undefined);
    assert.throws(() => registry.register(one), SagaError);
    assert.throws(() => registry.latest('missing'), { code: 'UNKNOWN_DEFINITION' });
    assert.throws(() => registry.register(one), { code: 'DUPLICATE_DEFINITION' });
    assert.throws(() => registry.register(defineSaga<void>({ name: 'e', version: 1 }).output(() => 0)), { code: 'INVALID_DEFINITION' });
    assert.throws(() => registry.register(defineSaga<void>({ name: 'e', version: 0 }).step({ name: 'a', execute: async () => 0 }).output(() => 0)), { code: 'INVALID_DEFINITION' });
    assert.throws(
      () => registry.register(defineSaga<void>({ name: 'e', version: 1 }).step({ name: 'a', execute: async () => 0 }).step({ name: 'a', execute: async () => 1 }).output(() => 0)),
      { code: 'INVALID_DEFINITION' },
    );
  });

  test('inDoubtStep names the step after the last recorded one when that one did not end for sure and the next has a compensation', () => {
    const undo = async () => undefined;
    const definition = defineSaga<{}>({ name: 'demo', version: 3 })
      .step({ name: 'a', execute: async () => 1 })
      .step({ name: 'b', execute: async () => 2, compensate: undo })
      .step({ name: 'c', execute: async () => 3, compensate: undo })
      .step({ name: 'd', execute: async () => 4, compensate: undo, logMode: 'write-ahead' })
      .step({ name: 'e', execute: async () => 5, compensate: undo })
      .output(() => 0);
    const at = (...steps: [string, number, Kind, MessageInitShape<typeof SagaTransitionSchema>?][]) => {
      let saga = applySagaTransition(undefined, create(SagaTransitionSchema, { sagaId: 's', name: 'demo', definitionVersion: 3, kind: Kind.STARTED, sequence: 1n }));
      for (const [name, index, kind, fields] of steps) saga = applySagaTransition(saga, create(SagaTransitionSchema, { sagaId: 's', kind, stepName: name, stepIndex: index, ...fields }));
      return saga;
    };
    assert.equal(inDoubtStep(at(), definition), undefined, 'nothing ran before the first record');
    assert.equal(inDoubtStep(at(['a', 0, Kind.STEP_STARTED]), definition), 1, 'a may have completed and b run');
    assert.equal(inDoubtStep(at(['a', 0, Kind.STEP_STARTED], ['a', 0, Kind.STEP_FAILED, { error: 'x' }]), definition), 1, 'FAILED may be an unknown outcome of a step without compensation');
    assert.equal(inDoubtStep(at(['a', 0, Kind.STEP_STARTED], ['a', 0, Kind.STEP_COMPLETED], ['b', 1, Kind.STEP_STARTED]), definition), 2);
    assert.equal(
      inDoubtStep(at(['a', 0, Kind.STEP_STARTED], ['a', 0, Kind.STEP_COMPLETED]), definition),
      undefined,
      "a completion is logged with the next step's start: nothing past it can have run",
    );
    assert.equal(inDoubtStep(at(['c', 2, Kind.STEP_STARTED]), definition), undefined, 'a write-ahead step is never called before its record');
    assert.equal(inDoubtStep(at(['d', 3, Kind.STEP_STARTED]), definition), undefined, 'nor is the step after a write-ahead one');
    assert.equal(inDoubtStep(at(['e', 4, Kind.STEP_STARTED]), definition), undefined, 'no step after the last');
    const noUndo = defineSaga<{}>({ name: 'demo', version: 3 })
      .step({ name: 'a', execute: async () => 1 })
      .step({ name: 'b', execute: async () => 2 })
      .output(() => 0);
    assert.equal(inDoubtStep(at(['a', 0, Kind.STEP_STARTED]), noUndo), undefined, 'a step without compensation needs no resolving');
  });

  test('inDoubtSteps: a log written in background mode may lag by any number of steps, up to a write-ahead step', () => {
    const undo = async () => undefined;
    const definition = defineSaga<{}>({ name: 'demo', version: 3 })
      .step({ name: 'a', execute: async () => 1 })
      .step({ name: 'b', execute: async () => 2, compensate: undo })
      .step({ name: 'c', execute: async () => 3, compensate: undo })
      .step({ name: 'd', execute: async () => 4 })
      .step({ name: 'e', execute: async () => 5, compensate: undo, logMode: 'write-ahead' })
      .step({ name: 'f', execute: async () => 6, compensate: undo })
      .output(() => 0);
    const at = (...steps: [string, number, Kind][]) => {
      let saga = applySagaTransition(undefined, create(SagaTransitionSchema, { sagaId: 's', name: 'demo', definitionVersion: 3, kind: Kind.STARTED, sequence: 1n }));
      for (const [name, index, kind] of steps) saga = applySagaTransition(saga, create(SagaTransitionSchema, { sagaId: 's', kind, stepName: name, stepIndex: index }));
      return saga;
    };
    assert.deepEqual(inDoubtSteps(at(), definition, true), { from: 0, to: 2 }, 'only STARTED in the log: a, b and c may have run (d has nothing to undo, e is written ahead)');
    assert.deepEqual(inDoubtSteps(at(['a', 0, Kind.STEP_STARTED], ['a', 0, Kind.STEP_COMPLETED]), definition, true), { from: 1, to: 2 }, 'a completion alone bounds nothing');
    assert.deepEqual(inDoubtSteps(at(['b', 1, Kind.STEP_STARTED]), definition, true), { from: 2, to: 2 });
    assert.equal(inDoubtSteps(at(['c', 2, Kind.STEP_STARTED]), definition, true), undefined, 'd has no compensation and e is never called before its record');
    assert.equal(inDoubtSteps(at(['e', 4, Kind.STEP_STARTED]), definition, true), undefined, 'nor is the step after a write-ahead one');
    assert.deepEqual(inDoubtSteps(at(['a', 0, Kind.STEP_STARTED]), definition, false), { from: 1, to: 1 }, 'without the mark, the one-step rule');
    const compensating = applySagaTransition(at(['b', 1, Kind.STEP_STARTED]), create(SagaTransitionSchema, { sagaId: 's', kind: Kind.COMPENSATING, error: 'x' }));
    assert.deepEqual(inDoubtSteps(compensating, definition, true), { from: 2, to: 2 }, 'COMPENSATING is written with everything run before it: the one-step rule again');
  });
});
