import { BrokenCircuitError } from './broken-circuit-error.js';
import {
  resolveCircuitBreakerOptions,
  type CircuitBreakerOptions,
  type ResolvedCircuitBreakerOptions,
} from './circuit-breaker-options.js';
import { parseCircuitBreakerState, type CircuitBreakerSnapshot } from './circuit-breaker-snapshot.js';
import type { CircuitPermit } from './circuit-permit.js';
import { CircuitState, type CircuitBreakerState, type CircuitStateChange } from './circuit-state.js';
import type { Disposable } from './disposable.js';
import { ListenerSet } from './listener-set.js';
import { createSlidingWindow, type SlidingWindow } from './sliding-window.js';

type Outcome = 'success' | 'failure' | 'none';

// Set by CircuitBreaker's static block: the permits' way in to the breaker's private state.
let settlePermit: (breaker: CircuitBreaker, generation: number, outcome: Outcome) => void;
let isBreakerFailure: (breaker: CircuitBreaker, error: unknown) => boolean;

/**
 * CircuitBreaker stops calling a target that keeps failing, and lets a few
 * probe calls through after `resetTimeout` to find out whether it recovered.
 *
 * CLOSED counts failures (consecutive, or as a rate over a sliding window) and
 * opens at the threshold. OPEN rejects every call with a BrokenCircuitError;
 * the first acquire after `resetTimeout` turns it HALF_OPEN. HALF_OPEN admits
 * at most `halfOpenMaxProbes` concurrent probes: one failure re-opens the
 * breaker, `successThreshold` successes close it.
 *
 * The breaker knows nothing about transports: `isFailure` decides which errors
 * count, and `tryAcquire()` lets an interceptor record outcomes without
 * wrapping the call in `execute()`.
 */
export class CircuitBreaker {
  /** name identifies the breaker in errors and events. */
  readonly name: string;
  readonly #options: ResolvedCircuitBreakerOptions;
  readonly #window: SlidingWindow<'successes' | 'failures'> | undefined;
  readonly #changes = new ListenerSet<CircuitStateChange>();
  // Outstanding isolate() handles; the breaker closes when the last one is disposed.
  readonly #isolations = new Set<object>();
  #state: CircuitBreakerState;
  // Bumped on every transition so that permits issued in an earlier state are ignored.
  #generation = 0;

  constructor(options: CircuitBreakerOptions) {
    this.#options = resolveCircuitBreakerOptions(options);
    this.name = this.#options.name;
    const { mode, now } = this.#options;
    const saved = options.initialState;
    this.#window =
      mode.kind === 'rate'
        ? createSlidingWindow({
            keys: ['successes', 'failures'],
            windowMs: mode.windowMs,
            buckets: mode.buckets,
            now,
            ...(saved?.window ? { initial: saved.window } : {}),
          })
        : undefined;
    this.#state = saved ? parseCircuitBreakerState(saved.state) : { state: CircuitState.CLOSED, failures: 0 };
  }

  /** fromJSON returns a breaker that resumes from `snapshot`, a value returned by `toJSON()`. */
  static fromJSON(snapshot: CircuitBreakerSnapshot, options: CircuitBreakerOptions): CircuitBreaker {
    return new CircuitBreaker({ ...options, initialState: snapshot });
  }

  /**
   * state is the current state. An open breaker whose reset timeout has
   * elapsed still reads OPEN: it turns HALF_OPEN at the next acquire.
   */
  get state(): CircuitBreakerState {
    const state = this.#state;
    if (state.state === CircuitState.CLOSED && this.#window) {
      // Rate mode: failures age out of the window, so read them now.
      return { state: CircuitState.CLOSED, failures: this.#window.sum('failures') };
    }
    return state;
  }

  /** onStateChange calls `listener` once per transition; dispose the result to stop. */
  onStateChange(listener: (change: CircuitStateChange) => void): Disposable {
    return this.#changes.subscribe(listener);
  }

  /**
   * tryAcquire admits one call and returns its permit, or returns undefined
   * when the breaker is open or has no free probe slot.
   */
  tryAcquire(): CircuitPermit | undefined {
    const permit = this.#acquire();
    return permit instanceof BrokenCircuitError ? undefined : permit;
  }

  /** acquire admits one call and returns its permit, or throws a BrokenCircuitError. */
  acquire(): CircuitPermit {
    const permit = this.#acquire();
    if (permit instanceof BrokenCircuitError) throw permit;
    return permit;
  }

  /**
   * execute runs `fn` if the breaker admits it and records the outcome:
   * errors for which `isFailure` holds count as failures, other errors count
   * as successes; every error is rethrown. Throws a BrokenCircuitError without
   * calling `fn` when the call is not admitted.
   */
  async execute<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const permit = this.acquire();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      permit.recordError(error);
      throw error;
    }
    permit.success();
    return result;
  }

  /** reset closes the breaker and forgets every failure, ending any isolation. */
  reset(): void {
    this.#isolations.clear();
    this.#window?.clear();
    if (this.#state.state === CircuitState.CLOSED) {
      this.#state = { state: CircuitState.CLOSED, failures: 0 };
    } else {
      this.#close();
    }
  }

  /**
   * isolate opens the breaker until the returned handle is disposed (or
   * `reset()` is called), whatever the reset timeout; an operator's manual
   * trip. With several handles outstanding, the last dispose closes it.
   */
  isolate(): Disposable {
    const token = {};
    this.#isolations.add(token);
    const state = this.#state;
    if (state.state !== CircuitState.OPEN || !state.isolated) {
      this.#transition({ state: CircuitState.OPEN, openedAt: this.#options.now(), isolated: true });
    }
    return {
      dispose: () => {
        if (this.#isolations.delete(token) && this.#isolations.size === 0) this.#close();
      },
    };
  }

  /** toJSON returns the state as plain JSON, to be restored with `CircuitBreaker.fromJSON()`. */
  toJSON(): CircuitBreakerSnapshot {
    return this.#window ? { state: this.state, window: this.#window.toJSON() } : { state: this.state };
  }

  #acquire(): CircuitPermit | BrokenCircuitError {
    const { now, resetTimeout, halfOpenMaxProbes } = this.#options;
    let state = this.#state;
    if (state.state === CircuitState.CLOSED) {
      return this.#permit();
    }
    if (state.state === CircuitState.OPEN) {
      if (state.isolated) {
        return new BrokenCircuitError(this.name, CircuitState.OPEN, undefined);
      }
      const waited = now() - state.openedAt;
      if (waited < resetTimeout) {
        return new BrokenCircuitError(this.name, CircuitState.OPEN, resetTimeout - waited);
      }
      // Lazy OPEN → HALF_OPEN: no timer keeps the process alive or fires for idle breakers.
      state = { state: CircuitState.HALF_OPEN, successes: 0, inFlightProbes: 0 };
      this.#transition(state);
    }
    if (state.inFlightProbes >= halfOpenMaxProbes) {
      return new BrokenCircuitError(this.name, CircuitState.HALF_OPEN, undefined);
    }
    this.#state = { ...state, inFlightProbes: state.inFlightProbes + 1 };
    return this.#permit();
  }

  #permit(): CircuitPermit {
    return new BreakerPermit(this, this.#generation);
  }

  static {
    settlePermit = (breaker, generation, outcome) => {
      if (generation === breaker.#generation) breaker.#record(outcome);
    };
    isBreakerFailure = (breaker, error) => breaker.#options.isFailure(error);
  }

  #record(outcome: Outcome): void {
    const state = this.#state;
    if (state.state === CircuitState.HALF_OPEN) {
      const inFlightProbes = state.inFlightProbes - 1;
      if (outcome === 'failure') {
        this.#open();
      } else if (outcome === 'success' && state.successes + 1 >= this.#options.successThreshold) {
        this.#close();
      } else {
        const successes = state.successes + (outcome === 'success' ? 1 : 0);
        this.#state = { state: CircuitState.HALF_OPEN, successes, inFlightProbes };
      }
      return;
    }
    // An OPEN breaker issues no permits, so only CLOSED is left.
    if (state.state !== CircuitState.CLOSED || outcome === 'none') return;
    const { mode, failureThreshold } = this.#options;
    if (mode.kind === 'consecutive') {
      const failures = outcome === 'failure' ? state.failures + 1 : 0;
      if (failures >= failureThreshold) this.#open();
      // States are immutable snapshots: a success on a clean breaker (nearly every call) keeps the one it has.
      else if (failures !== state.failures) this.#state = { state: CircuitState.CLOSED, failures };
      return;
    }
    const window = this.#window!;
    window.add(outcome === 'failure' ? 'failures' : 'successes');
    if (outcome !== 'failure') return;
    const failures = window.sum('failures');
    const volume = failures + window.sum('successes');
    if (volume >= mode.minimumVolume && failures / volume >= mode.failureRateThreshold) this.#open();
  }

  #open(): void {
    this.#transition({ state: CircuitState.OPEN, openedAt: this.#options.now(), isolated: false });
  }

  #close(): void {
    this.#transition({ state: CircuitState.CLOSED, failures: 0 });
  }

  #transition(to: CircuitBreakerState): void {
    const from = this.state;
    this.#state = to;
    this.#generation++;
    // A fresh state starts from a clean window: failures that opened the
    // breaker must not re-open it the moment it closes.
    this.#window?.clear();
    this.#changes.emit({ name: this.name, from, to });
  }
}

/**
 * BreakerPermit is the CircuitPermit a breaker issues: a small object rather
 * than a set of closures, because one is made for every call a breaker admits.
 */
class BreakerPermit implements CircuitPermit {
  readonly #breaker: CircuitBreaker;
  readonly #generation: number;
  #settled = false;

  constructor(breaker: CircuitBreaker, generation: number) {
    this.#breaker = breaker;
    this.#generation = generation;
  }

  success(): void {
    this.#settle('success');
  }

  failure(): void {
    this.#settle('failure');
  }

  recordError(error: unknown): void {
    // If isFailure itself throws, the permit is still settled (as a failure).
    let counted = true;
    try {
      counted = isBreakerFailure(this.#breaker, error);
    } finally {
      this.#settle(counted ? 'failure' : 'success');
    }
  }

  release(): void {
    this.#settle('none');
  }

  #settle(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    settlePermit(this.#breaker, this.#generation, outcome);
  }
}
