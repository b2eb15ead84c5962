import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BrokenCircuitError,
  CircuitBreaker,
  CircuitState,
  type CircuitBreakerOptions,
  type CircuitBreakerState,
  type CircuitStateChange,
} from '../../src/resilience/index.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';

const RESET = 1_000;

function setup(options: Partial<CircuitBreakerOptions> = {}): { breaker: CircuitBreaker; clock: FakeClock; changes: CircuitStateChange[] } {
  const clock = createFakeClock();
  const breaker = new CircuitBreaker({ name: 'billing', resetTimeout: RESET, now: clock.now, ...options });
  const changes: CircuitStateChange[] = [];
  breaker.onStateChange((change) => changes.push(change));
  return { breaker, clock, changes };
}

class CodedError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const fail = (breaker: CircuitBreaker, times = 1): void => {
  for (let i = 0; i < times; i++) breaker.acquire().failure();
};
const succeed = (breaker: CircuitBreaker, times = 1): void => {
  for (let i = 0; i < times; i++) breaker.acquire().success();
};
// A call, not a property read: assert.deepEqual narrows `breaker.state` and
// TypeScript would then reject later checks of the same getter.
const stateOf = (breaker: CircuitBreaker): CircuitBreakerState => breaker.state;
const trail = (changes: CircuitStateChange[]): string[] => changes.map((c) => `${c.from.state}->${c.to.state}`);

describe('CircuitBreaker, consecutive mode', () => {
  test('opens after failureThreshold consecutive failures, not before', () => {
    const { breaker, clock } = setup();
    fail(breaker, 4);
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 4 });
    fail(breaker);
    assert.deepEqual(stateOf(breaker), { state: 'OPEN', openedAt: clock.now(), isolated: false });
  });

  test('a success resets the consecutive count', () => {
    const { breaker } = setup({ failureThreshold: 3 });
    fail(breaker, 2);
    succeed(breaker);
    fail(breaker, 2);
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 2 });
  });

  test('an open breaker rejects with a typed error naming the breaker and the time until retry', async () => {
    const { breaker, clock } = setup({ failureThreshold: 1 });
    fail(breaker);
    clock.advance(400);
    let called = false;
    const rejection = await breaker
      .execute(() => {
        called = true;
      })
      .catch((error: unknown) => error);
    assert.equal(called, false);
    assert.ok(rejection instanceof BrokenCircuitError);
    assert.equal(rejection.code, 'CIRCUIT_OPEN');
    assert.equal(rejection.breakerName, 'billing');
    assert.equal(rejection.state, 'OPEN');
    assert.equal(rejection.retryAfterMs, 600);
    assert.match(rejection.message, /"billing"/);
    assert.equal(breaker.tryAcquire(), undefined);
  });

  test('stays open until resetTimeout has elapsed, then admits a probe', () => {
    const { breaker, clock } = setup({ failureThreshold: 1 });
    fail(breaker);
    clock.advance(RESET - 1);
    assert.equal(breaker.tryAcquire(), undefined);
    assert.equal(stateOf(breaker).state, 'OPEN');
    clock.advance(1);
    assert.equal(stateOf(breaker).state, 'OPEN', 'the transition is lazy');
    const probe = breaker.tryAcquire();
    assert.ok(probe);
    assert.deepEqual(stateOf(breaker), { state: 'HALF_OPEN', successes: 0, inFlightProbes: 1 });
  });

  test('half-open admits at most halfOpenMaxProbes concurrent probes', () => {
    const { breaker, clock } = setup({ failureThreshold: 1, halfOpenMaxProbes: 2, successThreshold: 5 });
    fail(breaker);
    clock.advance(RESET);
    const first = breaker.tryAcquire();
    const second = breaker.tryAcquire();
    assert.ok(first && second);
    assert.equal(breaker.tryAcquire(), undefined);
    assert.throws(
      () => breaker.acquire(),
      (error: unknown) => error instanceof BrokenCircuitError && error.state === 'HALF_OPEN' && error.retryAfterMs === undefined,
    );
    first.success();
    assert.deepEqual(stateOf(breaker), { state: 'HALF_OPEN', successes: 1, inFlightProbes: 1 });
    const third = breaker.tryAcquire();
    assert.ok(third);
    assert.equal(breaker.tryAcquire(), undefined);
    third.release();
    second.release();
    assert.deepEqual(stateOf(breaker), { state: 'HALF_OPEN', successes: 1, inFlightProbes: 0 });
  });

  test('closes after successThreshold successful probes', () => {
    const { breaker, clock } = setup({ failureThreshold: 1, successThreshold: 3 });
    fail(breaker);
    clock.advance(RESET);
    succeed(breaker, 2);
    assert.deepEqual(stateOf(breaker), { state: 'HALF_OPEN', successes: 2, inFlightProbes: 0 });
    succeed(breaker);
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
  });

  test('a failed probe re-opens the breaker for a full resetTimeout', () => {
    const { breaker, clock } = setup({ failureThreshold: 1, successThreshold: 3 });
    fail(breaker);
    clock.advance(RESET + 500);
    succeed(breaker, 2);
    fail(breaker);
    assert.deepEqual(stateOf(breaker), { state: 'OPEN', openedAt: clock.now(), isolated: false });
    clock.advance(RESET - 1);
    assert.throws(() => breaker.acquire(), (error: unknown) => error instanceof BrokenCircuitError && error.retryAfterMs === 1);
  });

  test('errors that isFailure does not count never open it, and still count as successes', async () => {
    const isFailure = (error: unknown): boolean => error instanceof CodedError && error.code === 'UNAVAILABLE';
    const { breaker, clock, changes } = setup({ failureThreshold: 2, isFailure });
    for (let i = 0; i < 50; i++) {
      await assert.rejects(
        breaker.execute(() => Promise.reject(new CodedError('NOT_FOUND'))),
        (error: unknown) => error instanceof CodedError && error.code === 'NOT_FOUND',
      );
    }
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
    assert.deepEqual(changes, []);

    // They reset the consecutive count like any success ...
    await assert.rejects(breaker.execute(() => Promise.reject(new CodedError('UNAVAILABLE'))));
    await assert.rejects(breaker.execute(() => Promise.reject(new CodedError('NOT_FOUND'))));
    await assert.rejects(breaker.execute(() => Promise.reject(new CodedError('UNAVAILABLE'))));
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 1 });
    await assert.rejects(breaker.execute(() => Promise.reject(new CodedError('UNAVAILABLE'))));
    assert.equal(stateOf(breaker).state, 'OPEN');

    // ... and close a half-open breaker like any successful probe.
    clock.advance(RESET);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(breaker.execute(() => Promise.reject(new CodedError('NOT_FOUND'))));
    }
    assert.equal(stateOf(breaker).state, 'CLOSED');
  });

  test('execute returns the result, and records synchronous throws', async () => {
    const { breaker } = setup({ failureThreshold: 2 });
    assert.equal(await breaker.execute(() => 42), 42);
    assert.equal(await breaker.execute(async () => 'ok'), 'ok');
    const boom = new Error('boom');
    await assert.rejects(
      breaker.execute(() => {
        throw boom;
      }),
      (error: unknown) => error === boom,
    );
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 1 });
  });

  test('a permit counts once, and outcomes from an earlier state are ignored', () => {
    const { breaker, clock } = setup({ failureThreshold: 2, successThreshold: 1 });
    const lateClosed = breaker.acquire();
    const twice = breaker.acquire();
    twice.failure();
    twice.failure();
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 1 });
    fail(breaker);
    assert.equal(stateOf(breaker).state, 'OPEN');
    clock.advance(RESET);
    const probe = breaker.acquire();
    // A call admitted while CLOSED that ends now is not a probe: it must neither close nor re-open.
    lateClosed.success();
    assert.deepEqual(stateOf(breaker), { state: 'HALF_OPEN', successes: 0, inFlightProbes: 1 });
    lateClosed.failure();
    assert.equal(stateOf(breaker).state, 'HALF_OPEN');
    probe.success();
    assert.equal(stateOf(breaker).state, 'CLOSED');
  });

  test('recordError settles the permit even when isFailure throws', () => {
    const { breaker } = setup({
      failureThreshold: 1,
      isFailure: () => {
        throw new Error('bad predicate');
      },
    });
    assert.throws(() => breaker.acquire().recordError(new Error('x')), /bad predicate/);
    assert.equal(stateOf(breaker).state, 'OPEN');
  });
});

describe('CircuitBreaker, rate mode', () => {
  const rate = { kind: 'rate', failureRateThreshold: 0.5, minimumVolume: 20, windowMs: 10_000, buckets: 10 } as const;

  test('does not open below minimumVolume, however many fail', () => {
    const { breaker } = setup({ mode: rate });
    fail(breaker, 19);
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 19 });
    fail(breaker);
    assert.equal(stateOf(breaker).state, 'OPEN');
  });

  test('opens when the failure rate reaches the threshold, not below', () => {
    const { breaker } = setup({ mode: rate });
    succeed(breaker, 11);
    fail(breaker, 9); // 9/20 = 0.45
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 9 });
    fail(breaker); // 10/21 ≈ 0.476
    assert.equal(stateOf(breaker).state, 'CLOSED');
    fail(breaker); // 11/22 = 0.5
    assert.equal(stateOf(breaker).state, 'OPEN');
  });

  test('failures outside the window no longer count', () => {
    const { breaker, clock } = setup({ mode: rate });
    fail(breaker, 15);
    clock.advance(10_000);
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
    fail(breaker, 15);
    assert.equal(stateOf(breaker).state, 'CLOSED');
    fail(breaker, 5);
    assert.equal(stateOf(breaker).state, 'OPEN');
  });

  test('starts a fresh window after closing again', () => {
    const { breaker, clock } = setup({ mode: rate, successThreshold: 1 });
    fail(breaker, 20);
    clock.advance(RESET);
    succeed(breaker);
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
    fail(breaker);
    assert.equal(stateOf(breaker).state, 'CLOSED');
  });
});

describe('CircuitBreaker events', () => {
  test('fire once per transition, in order, and stop after dispose', () => {
    const { breaker, clock, changes } = setup({ failureThreshold: 2, successThreshold: 2 });
    const seen: string[] = [];
    const subscription = breaker.onStateChange((change) => seen.push(change.to.state));
    fail(breaker, 2);
    for (let i = 0; i < 5; i++) assert.equal(breaker.tryAcquire(), undefined);
    clock.advance(RESET);
    fail(breaker);
    clock.advance(RESET);
    succeed(breaker);
    succeed(breaker);
    succeed(breaker);
    assert.deepEqual(trail(changes), [
      'CLOSED->OPEN',
      'OPEN->HALF_OPEN',
      'HALF_OPEN->OPEN',
      'OPEN->HALF_OPEN',
      'HALF_OPEN->CLOSED',
    ]);
    assert.ok(changes.every((change) => change.name === 'billing'));
    assert.deepEqual(changes[0]?.from, { state: 'CLOSED', failures: 1 });
    assert.equal(seen.length, 5);
    subscription.dispose();
    subscription.dispose();
    fail(breaker, 2);
    assert.equal(seen.length, 5);
    assert.equal(changes.length, 6);
  });

  test('a throwing listener neither breaks the transition nor silences other listeners', (t) => {
    // Listener errors are rethrown on a microtask, like Node's EventTarget does;
    // capture it instead of letting the test runner see an uncaught exception.
    const reported: Array<() => void> = [];
    t.mock.method(globalThis, 'queueMicrotask', (callback: () => void) => void reported.push(callback));
    const { breaker, changes } = setup({ failureThreshold: 1 });
    const thrown = new Error('listener bug');
    breaker.onStateChange(() => {
      throw thrown;
    });
    const seen: unknown[] = [];
    breaker.onStateChange((change) => seen.push(change.to.state));
    fail(breaker);
    assert.equal(stateOf(breaker).state, 'OPEN');
    assert.deepEqual(seen, ['OPEN']);
    assert.equal(changes.length, 1);
    assert.equal(reported.length, 1);
    assert.throws(() => reported[0]!(), (error: unknown) => error === thrown);
  });
});

describe('CircuitBreaker save and restore', () => {
  test('an open breaker survives a JSON round trip', () => {
    const { breaker, clock } = setup({ failureThreshold: 1 });
    fail(breaker);
    clock.advance(300);
    const saved = JSON.parse(JSON.stringify(breaker));
    const restored = CircuitBreaker.fromJSON(saved, { name: 'billing', resetTimeout: RESET, now: clock.now });
    assert.deepEqual(stateOf(restored), stateOf(breaker));
    assert.throws(() => restored.acquire(), (error: unknown) => error instanceof BrokenCircuitError && error.retryAfterMs === 700);
    clock.advance(700);
    assert.ok(restored.tryAcquire());
    assert.equal(stateOf(restored).state, 'HALF_OPEN');
  });

  test('a restored half-open breaker has no probes in flight', () => {
    const { breaker, clock } = setup({ failureThreshold: 1, successThreshold: 3 });
    fail(breaker);
    clock.advance(RESET);
    succeed(breaker);
    breaker.acquire(); // in flight when the process stops
    assert.deepEqual(breaker.toJSON(), { state: { state: 'HALF_OPEN', successes: 1, inFlightProbes: 1 } });
    const restored = new CircuitBreaker({ name: 'billing', successThreshold: 3, now: clock.now, initialState: breaker.toJSON() });
    assert.deepEqual(stateOf(restored), { state: 'HALF_OPEN', successes: 1, inFlightProbes: 0 });
    succeed(restored, 2);
    assert.equal(stateOf(restored).state, 'CLOSED');
  });

  test('rate mode restores its window', () => {
    const mode = { kind: 'rate', minimumVolume: 10 } as const;
    const { breaker, clock } = setup({ mode });
    fail(breaker, 9);
    const saved = JSON.parse(JSON.stringify(breaker.toJSON()));
    const restored = CircuitBreaker.fromJSON(saved, { name: 'billing', mode, now: clock.now });
    assert.deepEqual(stateOf(restored), { state: 'CLOSED', failures: 9 });
    fail(restored);
    assert.equal(stateOf(restored).state, 'OPEN');
  });

  test('rejects a snapshot that is not a breaker state', () => {
    const bad = [{ state: 'AJAR' }, { state: 'OPEN' }, { state: 'CLOSED', failures: -1 }, { state: 'HALF_OPEN', successes: 1.5 }];
    for (const state of bad) {
      assert.throws(() => new CircuitBreaker({ name: 'x', initialState: { state } as never }), TypeError);
    }
  });
});

describe('CircuitBreaker reset and isolate', () => {
  test('isolate keeps the breaker open past resetTimeout until the last handle is disposed', () => {
    const { breaker, clock, changes } = setup();
    const first = breaker.isolate();
    const second = breaker.isolate();
    clock.advance(RESET * 10);
    assert.throws(() => breaker.acquire(), (error: unknown) => error instanceof BrokenCircuitError && error.retryAfterMs === undefined);
    first.dispose();
    first.dispose();
    assert.equal(breaker.tryAcquire(), undefined);
    second.dispose();
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
    assert.deepEqual(trail(changes), ['CLOSED->OPEN', 'OPEN->CLOSED']);
  });

  test('reset closes an open breaker and forgets counted failures', () => {
    const { breaker, changes } = setup({ failureThreshold: 3 });
    fail(breaker, 2);
    breaker.reset();
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
    assert.equal(changes.length, 0);
    fail(breaker, 3);
    breaker.reset();
    assert.deepEqual(stateOf(breaker), { state: 'CLOSED', failures: 0 });
    assert.deepEqual(trail(changes), ['CLOSED->OPEN', 'OPEN->CLOSED']);
  });
});

describe('CircuitBreaker options', () => {
  test('defaults match the older design', () => {
    const clock = createFakeClock();
    const breaker = new CircuitBreaker({ name: 'auth', now: clock.now });
    fail(breaker, 5);
    assert.equal(stateOf(breaker).state, CircuitState.OPEN);
    clock.advance(29_999);
    assert.equal(breaker.tryAcquire(), undefined);
    clock.advance(1);
    succeed(breaker, 2);
    assert.equal(stateOf(breaker).state, CircuitState.HALF_OPEN);
    succeed(breaker);
    assert.equal(stateOf(breaker).state, CircuitState.CLOSED);
  });

  test('invalid options throw', () => {
    assert.throws(() => new CircuitBreaker({ name: 'x', failureThreshold: 0 }), RangeError);
    assert.throws(() => new CircuitBreaker({ name: 'x', halfOpenMaxProbes: 1.5 }), RangeError);
    assert.throws(() => new CircuitBreaker({ name: 'x', mode: { kind: 'rate', failureRateThreshold: 2 } }), RangeError);
    assert.throws(() => new CircuitBreaker({ name: 'x', mode: { kind: 'sometimes' } as never }), RangeError);
    assert.throws(() => new CircuitBreaker({ name: '' }), TypeError);
  });
});
