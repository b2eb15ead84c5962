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
 */
export type SagaLogMode = 'pipelined' | 'write-ahead';

/**
 * DEFAULT_SAGA_LOG_MODE is write-ahead: on the 2-core machine the benchmark
 * runs on, pipelining made sagas slower, not faster (5 of 5 runs), and
 * recovery of 10,000 sagas twice as long (bench/README.md, "Sagas"), because
 * the coordinator is CPU-bound there. Choose 'pipelined' where commits and
 * calls wait on I/O.
 */
export const DEFAULT_SAGA_LOG_MODE: SagaLogMode = 'write-ahead';
