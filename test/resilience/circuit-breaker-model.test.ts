// Model-based test of the circuit breaker (consecutive mode): random
// sequences of acquires, outcomes, releases, clock moves and save/restore
// cycles, run against the breaker and a small reference model side by side.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CircuitBreaker, CircuitState, type CircuitBreakerOptions, type CircuitBreakerState, type CircuitPermit } from '../../src/resilience/index.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';

/** NUM_RUNS keeps the whole property to about a second. */
const NUM_RUNS = 200;

interface Config {
  failureThreshold: number;
  successThreshold: number;
  halfOpenMaxProbes: number;
  resetTimeout: number;
}

type ModelState = { kind: 'CLOSED'; failures: number } | { kind: 'OPEN'; openedAt: number } | { kind: 'HALF_OPEN'; successes: number; inFlight: number };

interface ModelPermit {
  /** generation is the model's generation when the permit was issued; outcomes of older generations are ignored. */
  generation: number;
  settled: boolean;
}

/** Model is the reference: the breaker's documented behaviour written as plainly as possible. */
interface Model {
  config: Config;
  now: number;
  state: ModelState;
  generation: number;
  permits: ModelPermit[];
}

interface Real {
  clock: FakeClock;
  options: CircuitBreakerOptions;
  breaker: CircuitBreaker;
  permits: CircuitPermit[];
}

function transition(model: Model, state: ModelState): void {
  model.state = state;
  model.generation++;
}

/** modelAcquire admits a call or not, exactly as the breaker's documentation says. */
function modelAcquire(model: Model): boolean {
  const { config } = model;
  if (model.state.kind === 'CLOSED') return true;
  if (model.state.kind === 'OPEN') {
    if (model.now - model.state.openedAt < config.resetTimeout) return false;
    transition(model, { kind: 'HALF_OPEN', successes: 0, inFlight: 0 });
  }
  const half = model.state as Extract<ModelState, { kind: 'HALF_OPEN' }>;
  if (half.inFlight >= config.halfOpenMaxProbes) return false;
  half.inFlight++;
  return true;
}

function modelSettle(model: Model, permit: ModelPermit, outcome: 'success' | 'failure' | 'none'): void {
  if (permit.settled) return;
  permit.settled = true;
  if (permit.generation !== model.generation) return;
  const state = model.state;
  if (state.kind === 'HALF_OPEN') {
    if (outcome === 'failure') transition(model, { kind: 'OPEN', openedAt: model.now });
    else if (outcome === 'success' && state.successes + 1 >= model.config.successThreshold) transition(model, { kind: 'CLOSED', failures: 0 });
    else model.state = { kind: 'HALF_OPEN', successes: state.successes + (outcome === 'success' ? 1 : 0), inFlight: state.inFlight - 1 };
    return;
  }
  if (state.kind !== 'CLOSED' || outcome === 'none') return;
  const failures = outcome === 'failure' ? state.failures + 1 : 0;
  if (failures >= model.config.failureThreshold) transition(model, { kind: 'OPEN', openedAt: model.now });
  else model.state = { kind: 'CLOSED', failures };
}

function expectedState(model: Model): CircuitBreakerState {
  const state = model.state;
  if (state.kind === 'CLOSED') return { state: CircuitState.CLOSED, failures: state.failures };
  if (state.kind === 'OPEN') return { state: CircuitState.OPEN, openedAt: state.openedAt, isolated: false };
  return { state: CircuitState.HALF_OPEN, successes: state.successes, inFlightProbes: state.inFlight };
}

function assertAgrees(model: Model, real: Real): void {
  assert.deepEqual(real.breaker.state, expectedState(model));
  const state = real.breaker.state;
  if (state.state === CircuitState.HALF_OPEN) assert.ok(state.inFlightProbes <= model.config.halfOpenMaxProbes, 'probes in flight never exceed halfOpenMaxProbes');
}

class Acquire implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    const admitted = modelAcquire(model);
    const permit = real.breaker.tryAcquire();
    assert.equal(permit !== undefined, admitted, `acquire admitted=${permit !== undefined}, the model says ${admitted}`);
    if (permit) {
      real.permits.push(permit);
      model.permits.push({ generation: model.generation, settled: false });
    }
    assertAgrees(model, real);
  }
  toString = () => 'acquire';
}

class Settle implements fc.Command<Model, Real> {
  constructor(
    readonly index: number,
    readonly outcome: 'success' | 'failure' | 'none',
  ) {}
  check = (model: Readonly<Model>) => model.permits.length > 0;
  run(model: Model, real: Real): void {
    const i = this.index % model.permits.length;
    modelSettle(model, model.permits[i]!, this.outcome);
    const permit = real.permits[i]!;
    if (this.outcome === 'success') permit.success();
    else if (this.outcome === 'failure') permit.failure();
    else permit.release();
    assertAgrees(model, real);
  }
  toString = () => `${this.outcome}(#${this.index})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.now += this.ms;
    real.clock.advance(this.ms);
    assertAgrees(model, real);
  }
  toString = () => `advance(${this.ms})`;
}

/** SaveAndRestore replaces the breaker by one restored from its JSON; the old one's permits no longer count. */
class SaveAndRestore implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    const saved = JSON.parse(JSON.stringify(real.breaker.toJSON()));
    real.breaker = CircuitBreaker.fromJSON(saved, real.options);
    // Probes in flight belonged to the saving process: a restored half-open breaker starts with none.
    if (model.state.kind === 'HALF_OPEN') model.state = { ...model.state, inFlight: 0 };
    for (const permit of model.permits) permit.settled = true;
    assert.deepEqual(real.breaker.toJSON(), CircuitBreaker.fromJSON(real.breaker.toJSON(), real.options).toJSON(), 'a restored breaker saves the same state');
    assertAgrees(model, real);
  }
  toString = () => 'saveAndRestore';
}

const configArbitrary: fc.Arbitrary<Config> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 5 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
  resetTimeout: fc.integer({ min: 1, max: 1000 }),
});

const settle = fc.tuple(fc.nat(), fc.constantFrom('success' as const, 'failure' as const, 'none' as const)).map(([index, outcome]) => new Settle(index, outcome));
// Acquire and settle are listed twice: calls and outcomes should dominate the sequences.
const commands = fc.commands(
  [fc.constant(new Acquire()), fc.constant(new Acquire()), settle, settle, fc.integer({ min: 0, max: 1500 }).map((ms) => new Advance(ms)), fc.constant(new SaveAndRestore())],
  { maxCommands: 80, size: 'max' },
);

describe('CircuitBreaker, model-based', () => {
  test('any sequence of calls, outcomes, clock moves and save/restore keeps the breaker equal to the reference model', () => {
    fc.assert(
      fc.property(configArbitrary, commands, (config, cmds) => {
        const clock = createFakeClock();
        const options: CircuitBreakerOptions = { name: 'model', now: clock.now, ...config };
        const real: Real = { clock, options, breaker: new CircuitBreaker(options), permits: [] };
        const model: Model = { config, now: clock.now(), state: { kind: 'CLOSED', failures: 0 }, generation: 0, permits: [] };
        fc.modelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the breaker opens exactly at failureThreshold consecutive failures and admits no call until resetTimeout', () => {
    fc.assert(
      fc.property(configArbitrary, fc.integer({ min: 0, max: 999 }), (config, early) => {
        const clock = createFakeClock();
        const breaker = new CircuitBreaker({ name: 'threshold', now: clock.now, ...config });
        for (let i = 1; i < config.failureThreshold; i++) {
          breaker.acquire().failure();
          assert.equal(breaker.state.state, CircuitState.CLOSED);
        }
        breaker.acquire().failure();
        assert.equal(breaker.state.state, CircuitState.OPEN);
        clock.advance(Math.min(early, config.resetTimeout - 1));
        assert.equal(breaker.tryAcquire(), undefined, 'no call before the reset timeout');
        clock.advance(config.resetTimeout);
        const probes = Array.from({ length: config.halfOpenMaxProbes + 2 }, () => breaker.tryAcquire()).filter((permit) => permit !== undefined);
        assert.equal(probes.length, config.halfOpenMaxProbes, 'a half-open breaker admits exactly halfOpenMaxProbes probes');
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
