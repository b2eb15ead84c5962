import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { SagaStatus, SagaStepStatus } from '../../gen/mesh/v1/saga_pb.js';
import { createSagaOrchestrator, defineSaga, jobStep, readSagaStates, SagaError, type SagaJobQueue, type SagaOrchestrator } from '../../src/saga/index.js';
import { testKafka } from '../support/kafka.js';
import { readCommitted } from '../support/read-committed.js';
import { testOrchestratorOptions, testSagaLog, waitUntil } from './saga-test-support.js';

const FAST_RETRY = { maxAttempts: 3, backoff: { initialDelay: 10, maxDelay: 20 } };

/** waitAborted resolves after `ms`, or rejects when the step's signal aborts first (as a well-behaved step does). */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal });
}

describe('the saga orchestrator', () => {
  const orchestrators: SagaOrchestrator[] = [];
  const fresh = (log = testSagaLog()) => {
    const orchestrator = createSagaOrchestrator(testOrchestratorOptions(log));
    orchestrators.push(orchestrator);
    return orchestrator;
  };
  after(async () => {
    await Promise.all(orchestrators.map((orchestrator) => orchestrator.stop()));
  });

  test('a step that outlives its timeout is retried; its unknown outcome is learnt under its key before compensating', async () => {
    const orchestrator = fresh();
    const undone: string[] = [];
    const keys = new Set<string>();
    let slowCalls = 0;
    const definition = defineSaga<{ n: number }>({ name: 'step-timeout', version: 1 })
      .step({ name: 'first', execute: async () => 'one', compensate: async () => void undone.push('first') })
      .step({
        name: 'slow',
        timeout: 150,
        retry: { maxAttempts: 2, backoff: { initialDelay: 10, maxDelay: 10 } },
        execute: async (ctx) => {
          slowCalls++;
          keys.add(ctx.idempotencyKey);
          // The first two calls hang; the third finds the effect the service applied meanwhile.
          if (slowCalls <= 2) await work(30_000, ctx.signal);
          return `applied as ${ctx.idempotencyKey}`;
        },
        compensate: async (_ctx, result) => void undone.push(result),
      })
      .step({ name: 'never', execute: async () => 'never' })
      .output((_input, results) => results.slow);
    const started = Date.now();
    const result = await orchestrator.execute(definition, { n: 1 });
    assert.equal(result.status, 'compensated');
    assert.match(result.error ?? '', /step slow failed: the step attempt took longer than 150 ms/);
    assert.ok(Date.now() - started < 15_000, 'the timeouts cut the 30 s step short');
    assert.equal(slowCalls, 3, 'two timed-out attempts, then one to learn the outcome');
    assert.deepEqual([...keys], [`${result.sagaId}:slow:execute`]);
    assert.deepEqual(undone, [`applied as ${result.sagaId}:slow:execute`, 'first'], 'the step that took effect late is compensated first');
    const saga = orchestrator.get(result.sagaId)!;
    assert.equal(saga.steps[1]?.status, SagaStepStatus.COMPENSATED);
    assert.equal(saga.steps[1]?.attempts, 3);
  });

  test('a saga that outlives its timeout stops its running step and compensates the completed ones', async () => {
    const orchestrator = fresh();
    const undone: string[] = [];
    let lastRan = false;
    let cCalls = 0;
    const definition = defineSaga<object>({ name: 'saga-timeout', version: 1, timeout: 1_500 })
      .step({ name: 'a', execute: async () => 'a', compensate: async () => void undone.push('a') })
      .step({ name: 'b', execute: async () => 'b', compensate: async () => void undone.push('b') })
      .step({
        name: 'c',
        timeout: 60_000,
        retry: FAST_RETRY,
        execute: async (ctx) => {
          // Refused once the saga is over: the first call never took effect.
          if (++cCalls > 1) throw new Error('too late');
          await work(60_000, ctx.signal);
        },
        compensate: async () => void undone.push('c'),
      })
      .step({ name: 'd', execute: async () => void (lastRan = true) })
      .output(() => 'done');
    const started = Date.now();
    const result = await orchestrator.execute(definition, {});
    const elapsed = Date.now() - started;
    assert.equal(result.status, 'compensated');
    assert.match(result.error ?? '', /step c failed: the saga ran past its timeout/);
    assert.ok(elapsed >= 1_450 && elapsed < 20_000, `ended at the saga timeout, not the step's (${elapsed} ms)`);
    assert.deepEqual(undone, ['b', 'a']);
    assert.equal(lastRan, false);
    assert.equal(cCalls, 2, 'no retry past the saga deadline; one call to learn the outcome, which was a refusal');
    assert.equal(orchestrator.get(result.sagaId)?.steps[2]?.status, SagaStepStatus.FAILED);
  });

  test('a step whose outcome stays unknown leaves the saga FAILED, and resume learns it and finishes', async () => {
    const orchestrator = fresh();
    const undone: string[] = [];
    let serviceBack = false;
    const definition = defineSaga<object>({ name: 'unknown-outcome', version: 1 })
      .step({ name: 'a', execute: async () => 'a', compensate: async () => void undone.push('a') })
      .step({
        name: 'charge',
        retry: { maxAttempts: 2, backoff: { initialDelay: 10, maxDelay: 10 } },
        execute: async () => {
          if (!serviceBack) throw new ConnectError('connection reset', Code.Unavailable);
          throw new ConnectError('no such charge', Code.FailedPrecondition);
        },
        compensate: async () => void undone.push('charge'),
      })
      .output(() => 'done');
    const result = await orchestrator.execute(definition, {});
    assert.equal(result.status, 'failed');
    assert.equal(result.error, 'the outcome of step charge is unknown: [unavailable] connection reset');
    assert.deepEqual(undone, []);
    assert.equal(orchestrator.get(result.sagaId)?.steps[1]?.status, SagaStepStatus.RUNNING);

    serviceBack = true;
    const resumed = await orchestrator.resume(result.sagaId);
    assert.equal(resumed.status, 'compensated');
    assert.deepEqual(undone, ['a'], 'a refusal means the charge never happened: only a is undone');
    assert.equal(orchestrator.get(result.sagaId)?.steps[1]?.status, SagaStepStatus.FAILED);
  });

  test('a compensation that keeps failing is retried with backoff, leaves the saga FAILED with the reason, and resume finishes it', async () => {
    const orchestrator = fresh();
    let refundWorks = false;
    let refundCalls = 0;
    const keys = new Set<string>();
    const undone: string[] = [];
    const definition = defineSaga<object>({ name: 'stuck-compensation', version: 1 })
      .step({ name: 'reserve', execute: async () => ({ id: 'r1' }), compensate: async () => void undone.push('reserve') })
      .step({
        name: 'charge',
        compensationRetry: FAST_RETRY,
        execute: async () => ({ id: 'c1' }),
        compensate: async (ctx, result) => {
          refundCalls++;
          keys.add(ctx.idempotencyKey);
          if (!refundWorks) throw new Error(`refund of ${result.id} refused`);
          undone.push('charge');
        },
      })
      .step({ name: 'ship', retry: { maxAttempts: 1 }, execute: async () => Promise.reject(new Error('no courier')) })
      .output(() => 'shipped');
    const result = await orchestrator.execute(definition, {});
    assert.equal(result.status, 'failed');
    assert.equal(result.error, 'compensation of step charge failed: refund of c1 refused');
    assert.equal(refundCalls, 3);
    assert.deepEqual(undone, [], 'compensation stops at the step it cannot undo');
    const failed = orchestrator.get(result.sagaId)!;
    assert.equal(failed.status, SagaStatus.FAILED);
    assert.equal(failed.steps[1]?.status, SagaStepStatus.COMPENSATING);
    assert.deepEqual(orchestrator.list({ status: SagaStatus.FAILED }).map((saga) => saga.sagaId), [result.sagaId]);

    refundWorks = true;
    const resumed = await orchestrator.resume(result.sagaId);
    assert.equal(resumed.status, 'compensated');
    assert.deepEqual(undone, ['charge', 'reserve']);
    assert.deepEqual([...keys], [`${result.sagaId}:charge:compensate`], 'every attempt, before and after resume, used one key');
    await assert.rejects(orchestrator.resume(result.sagaId), (error: unknown) => error instanceof SagaError && error.code === 'NOT_RESUMABLE');
  });

  test('a saga keeps the definition version it started with when another coordinator takes it over', async () => {
    const log = testSagaLog();
    const first = fresh(log);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let blockerStarted = false;
    const v1 = defineSaga<{ who: string }>({ name: 'versioned', version: 1 })
      .step({ name: 'greet', execute: async (ctx) => `hello ${ctx.input.who}` })
      .step({
        name: 'wait',
        execute: async (ctx) => {
          blockerStarted = true;
          await Promise.race([released, new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))]);
          return ctx.attempt;
        },
      })
      .output((_input, results) => `v1: ${results.greet} after ${results.wait} attempts`);
    const v2 = defineSaga<{ who: string }>({ name: 'versioned', version: 2 })
      .step({ name: 'greet', execute: async (ctx) => `hi ${ctx.input.who}` })
      .output((_input, results) => `v2: ${results.greet}`);
    first.register(v1);
    const running = first.execute('versioned', { who: 'ada' });
    running.catch(() => undefined);
    await waitUntil('the blocking step to start', () => blockerStarted);
    // In background mode the log catches up within its linger: the takeover below needs the saga in it.
    await waitUntil('the blocking step to be in the log', () => first.list()[0]?.steps[1]?.status === SagaStepStatus.RUNNING);
    await first.stop();
    await assert.rejects(running, (error: unknown) => error instanceof SagaError && error.code === 'STOPPED');
    const sagaId = (await readCommitted(() => readSagaStates({ kafka: testKafka(), topic: log.topics.state }), (states) => states.size > 0)).keys().next().value!;

    const second = fresh(log);
    second.register(v2);
    second.register(v1);
    release();
    await second.start();
    const recovered = await second.waitFor(sagaId, { signal: AbortSignal.timeout(20_000) });
    assert.deepEqual(recovered, { sagaId, status: 'completed', output: 'v1: hello ada after 2 attempts' });
    const next = await second.execute('versioned', { who: 'bob' });
    assert.equal(next.output, 'v2: hi bob', 'new sagas start on the latest version');
  });

  test('persist: false runs a saga without writing the saga log', async () => {
    const log = testSagaLog();
    const orchestrator = fresh(log);
    const definition = defineSaga<number>({ name: 'ephemeral', version: 1, persist: false })
      .step({ name: 'double', execute: async (ctx) => ctx.input * 2 })
      .step({ name: 'big', execute: async (ctx) => BigInt(ctx.results.double) * 10n ** 20n })
      .output((_input, results) => results.big);
    const result = await orchestrator.execute(definition, 21);
    assert.deepEqual(result, { sagaId: result.sagaId, status: 'completed', output: 42n * 10n ** 20n });
    assert.equal((await readSagaStates({ kafka: testKafka(), topic: log.topics.state })).size, 0);
  });

  test('a job step enqueues under the step key and waits for the outcome', async () => {
    const orchestrator = fresh();
    // An in-process queue with the SagaJobQueue contract: a seen id adds nothing; jobs complete a moment later.
    const added: { queue: string; name: string; data: unknown; jobId: string }[] = [];
    const outcomes = new Map<string, Promise<unknown>>();
    const jobs: SagaJobQueue = {
      async addJob(queue, name, data, { jobId }) {
        if (outcomes.has(jobId)) return { added: false };
        added.push({ queue, name, data, jobId });
        outcomes.set(jobId, sleep(20).then(() => ({ delivered: jobId })));
        return { added: true };
      },
      waitFor: (jobId) => outcomes.get(jobId) ?? Promise.reject(new Error(`unknown job ${jobId}`)),
    };
    let archived: unknown;
    const definition = defineSaga<{ userId: string }>({ name: 'with-job', version: 1 })
      .step(
        jobStep({
          name: 'notify',
          jobs,
          queue: 'push-queue',
          jobName: 'welcome',
          data: (ctx) => ({ userId: ctx.input.userId }),
          compensate: async (_ctx, result) => void (archived = result),
        }),
      )
      .step({ name: 'after', retry: { maxAttempts: 1 }, execute: async (ctx) => (ctx.input.userId === 'u-fail' ? Promise.reject(new Error('later step failed')) : ctx.results.notify.jobId) })
      .output((_input, results) => results.after);
    const ok = await orchestrator.execute(definition, { userId: 'u-1' });
    assert.equal(ok.status, 'completed');
    assert.equal(ok.output, `${ok.sagaId}:notify:execute`);
    assert.deepEqual(added[0], { queue: 'push-queue', name: 'welcome', data: { userId: 'u-1' }, jobId: `${ok.sagaId}:notify:execute` });

    const failed = await orchestrator.execute(definition, { userId: 'u-fail' });
    assert.equal(failed.status, 'compensated');
    assert.deepEqual(archived, { jobId: `${failed.sagaId}:notify:execute`, outcome: { delivered: `${failed.sagaId}:notify:execute` } }, 'the compensation got the job result back from the log');
    assert.equal(added.length, 2);
  });

  for (const logMode of ['write-ahead', 'background'] as const) test(`a saga whose log write fails runs again from its last written state once the partition is claimed anew (${logMode})`, async () => {
    const errors: unknown[] = [];
    // A long linger: the saga's first transitions, sent into the open transaction at once, must not be committed on their own before the failing write.
    const orchestrator = createSagaOrchestrator(testOrchestratorOptions(testSagaLog(), { logMode, logLingerMs: 10_000, onError: (error) => errors.push(error) }));
    orchestrators.push(orchestrator);
    let calls = 0;
    const definition = defineSaga<object>({ name: 'failed-write', version: 1 })
      // The first result is larger than the broker takes (MESSAGE_TOO_LARGE): a real write failure.
      .step({ name: 'big', execute: async () => (++calls === 1 ? 'x'.repeat(2 * 1024 * 1024) : 'small') })
      .step({ name: 'after', execute: async (ctx) => `${ctx.results.big}!` })
      .output((_input, results) => results.after);
    const result = await orchestrator.execute(definition, {});
    assert.deepEqual(result, { sagaId: result.sagaId, status: 'completed', output: 'small!' });
    assert.equal(calls, 2, 'the step whose completion was not written ran again under its key');
    assert.ok(errors.some((error) => error instanceof SagaError && error.code === 'LOG_WRITE_FAILED'), 'the failed write was reported');
    // Written ahead, the log showed the step started (its repeat counts); in background mode the failed write was the saga's first, so the step starts afresh.
    assert.equal(orchestrator.get(result.sagaId)?.steps[0]?.attempts, logMode === 'write-ahead' ? 2 : 1);
    const again = await orchestrator.execute(definition, {});
    assert.equal(again.status, 'completed', 'the coordinator keeps writing');
  });
});
