/**
 * SagaLogMode says how a saga's log keeps up with its step calls.
 *
 * - `'write-ahead'`: a step is called only once every transition before it
 *   (its own STEP_STARTED included) is durable; the log never lags an effect.
 * - `'pipelined'`: a step's call starts while the record of the previous
 *   step's completion is still being committed. The log lags the effects by
 *   at most one step: before step k+1 is called, everything written before
 *   step k was called (the completion of step k-1, STEP_STARTED of k) is
 *   durable. The first step is pipelined only when it has no compensation (a
 *   step that may need undoing is never called before the saga is in the log);
 *   retries, outcome resolution and compensations are always write-ahead.
 *   Sound because every step call carries its idempotency key: a step re-run
 *   after a crash has one effect and returns its first result.
 * - `'background'`: first-attempt step calls do not wait for the log at all,
 *   except that a step with a compensation waits for the saga's start
 *   (STARTED) to be durable. Transitions are committed in the background: at
 *   the latest `logLingerMs` after they happen, together (one group-committed
 *   transaction), and right away when something must be written ahead
 *   (retries, outcome resolution, compensations, a step declared
 *   write-ahead and the step after it) and at the end; the saga's outcome is
 *   reported once its final transition is durable. Any number of steps may
 *   run ahead of the log: the snapshots a background run writes say so (the
 *   `saga-ran-ahead` header), and recovery then treats every step after the
 *   last record as in doubt (see inDoubtSteps).
 */
export type SagaLogMode = 'background' | 'pipelined' | 'write-ahead';

/**
 * DEFAULT_SAGA_LOG_MODE is background: a short saga then waits for one
 * transaction (its last), not one per step, and spends one transaction's
 * CPU instead of six (src/saga/README.md, "Measured": 1.7× the chain's p50
 * against 2.9–4.1× written ahead on the shared 2-core machine). The crash
 * tests pass with it (test/saga/crash-background.test.ts covers its window).
 */
export const DEFAULT_SAGA_LOG_MODE: SagaLogMode = 'background';

/**
 * DEFAULT_SAGA_LOG_LINGER_MS bounds, in background mode, how long a
 * transition waits before it is committed: long enough that a saga of a few
 * fast calls commits once, at its end; short enough that a slow step (an
 * awaited event, a job) is seen as started in the log soon after it starts.
 */
export const DEFAULT_SAGA_LOG_LINGER_MS = 50;

/**
 * DEFAULT_SAGA_LOG_SEND_EARLY is on: in background mode the first
 * transitions of a linger window go into the partition's open transaction
 * while the steps run, so the commit at the saga's end skips opening it (two
 * kafkajs round trips fewer after the last step, one request more in all).
 * That pays most where the early requests do not compete with the calls
 * for CPU; on the 2-core bench machine they slow the calls almost as much as
 * the end gains (quiet, alternated in one tree: 1.49× and 1.51× the chain
 * with, 1.55× and 1.56× without; bench/README.md, "Where the goals stand").
 * Off, the log is written as before it existed.
 */
export const DEFAULT_SAGA_LOG_SEND_EARLY = true;
