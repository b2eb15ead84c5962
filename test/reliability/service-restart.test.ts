import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, type Interceptor } from '@connectrpc/connect';
import { AuthService } from '../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { CircuitState } from '../../src/resilience/index.js';
import { createMeshClient, type MeshClient } from '../../src/rpc/client/index.js';
import type { EndpointStateChange, RetryEvent } from '../../src/rpc/interceptors/index.js';
import { freePort } from '../rpc/client/fixtures/server-process.js';
import { recordReliability } from '../support/reliability-report.js';
import { startJournaledServer, startStandbyServer } from './fixtures/journaled-server.js';
import { countEffects, runLoad } from './fixtures/load-generator.js';

const WORKERS = 8;
const PAUSE_MS = 40;
const LOAD_MS = 9_000;
const KILL_AT_MS = 2_500;
const DOWN_FOR_MS = 2_000;
const CALL_TIMEOUT_MS = 2_000;
const RESET_TIMEOUT_MS = 400;
const FAILURE_THRESHOLD = 5;
const MAX_ATTEMPTS = 3;
// One budget window spans the whole run, so the bound below is the budget's own.
const BUDGET = { retryRatio: 0.2, minRetriesPerSecond: 0.5, ttlMs: 60_000 };

describe('a service killed and restarted under load', () => {
  const processes: Array<{ kill(): Promise<void> }> = [];
  let handle: MeshClient<typeof AuthService> | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mesh-restart-'));
  after(async () => {
    handle?.close();
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the breaker opens and recovers, retries stay within budget, no write is lost or applied twice', async () => {
    const port = await freePort();
    const journal = join(dir, 'effects.jsonl');
    // The standby is loaded now, so that the restart below takes a listen, not a tsx start-up.
    const [first, standby] = await Promise.all([startJournaledServer(port, journal), startStandbyServer(port, journal)]);
    processes.push(first, standby);
    const url = `http://127.0.0.1:${port}`;

    const retries: RetryEvent[] = [];
    // Innermost: sees every attempt that went past the breaker onto the wire.
    const wire: Array<{ at: number; state: CircuitState }> = [];
    const wireCounter: Interceptor = (next) => (req) => {
      wire.push({ at: performance.now(), state: handle!.breaker(url)!.state.state });
      return next(req);
    };
    handle = createMeshClient(AuthService, {
      baseUrls: url,
      defaultTimeoutMs: CALL_TIMEOUT_MS,
      retry: { maxAttempts: MAX_ATTEMPTS, backoff: { initialDelay: 20, maxDelay: 100 }, budget: BUDGET, onRetry: (e) => retries.push(e) },
      breaker: { failureThreshold: FAILURE_THRESHOLD, resetTimeout: RESET_TIMEOUT_MS, successThreshold: 2 },
      interceptors: [wireCounter],
    });
    const changes: Array<EndpointStateChange & { at: number }> = [];
    handle.onBreakerStateChange((change) => changes.push({ ...change, at: performance.now() }));
    const client = handle.client;
    // The first call opens the connection and warms the server up: it gets time a busy machine may need.
    await client.getUser({ userId: 'warm-up' }, { timeoutMs: 10_000 });

    let killedAt = 0;
    let restartedAt = 0;
    const chaos = (async () => {
      await sleep(KILL_AT_MS);
      killedAt = performance.now();
      await first.kill();
      await sleep(DOWN_FOR_MS);
      await standby.listen();
      restartedAt = performance.now();
    })();
    const load = await runLoad({
      workers: WORKERS,
      durationMs: LOAD_MS,
      pauseMs: PAUSE_MS,
      drainMs: 5_000,
      keyPrefix: 'restart',
      read: (userId) => client.getUser({ userId }),
      write: (op) =>
        client.createUser(
          { email: op.email, displayName: op.key, roles: [Role.CLIENT] },
          { headers: { 'idempotency-key': op.key } },
        ),
    });
    await chaos;

    const { samples } = load;
    const transitions = changes.map((c) => `${c.from.state}->${c.to.state}`);
    assert.ok(killedAt > 0 && restartedAt > killedAt, 'the server was killed and restarted during the load');

    // The breaker opened after the kill, probed while the server was down, and closed after the restart.
    const opened = changes.find((c) => c.to.state === CircuitState.OPEN);
    assert.ok(opened && opened.at >= killedAt, `the breaker opened after the kill: ${transitions.join(', ')}`);
    const closed = changes.find((c) => c.to.state === CircuitState.CLOSED && c.at >= restartedAt);
    assert.ok(closed, `the breaker closed after the restart: ${transitions.join(', ')}`);
    assert.ok(transitions.includes('HALF_OPEN->OPEN'), 'a probe while the server was down re-opened it');
    assert.equal(handle.breaker(url)!.state.state, CircuitState.CLOSED);
    const recoveryMs = closed.at - restartedAt;
    assert.ok(recoveryMs <= RESET_TIMEOUT_MS + 1_500, `closed ${Math.round(recoveryMs)} ms after the server was back`);
    const firstSuccessAfterRestart = samples.filter((s) => s.code === undefined && s.startedAt >= restartedAt).sort((a, b) => a.endedAt - b.endedAt)[0];
    assert.ok(firstSuccessAfterRestart, 'calls succeed after the restart');

    // Fails fast while open, and almost nothing reaches the wire during the outage.
    const rejected = samples.filter((s) => s.rejectedByBreaker);
    assert.ok(rejected.length > 50, `calls were rejected by the open breaker: ${rejected.length}`);
    const rejectMs = rejected.map((s) => s.endedAt - s.startedAt).sort((a, b) => a - b);
    const medianRejectMs = rejectMs[Math.floor(rejectMs.length / 2)]!;
    assert.ok(medianRejectMs < 20, `rejections are fast: median ${medianRejectMs.toFixed(1)} ms`);
    const callsDuringOutage = samples.filter((s) => s.startedAt >= killedAt && s.startedAt < restartedAt).length;
    const wireDuringOutage = wire.filter((a) => a.at >= killedAt && a.at < restartedAt).length;
    const probeBound = Math.ceil((restartedAt - killedAt) / RESET_TIMEOUT_MS) + 1;
    assert.ok(
      wireDuringOutage <= WORKERS * MAX_ATTEMPTS + FAILURE_THRESHOLD + probeBound,
      `${wireDuringOutage} attempts reached the wire during the outage (${callsDuringOutage} calls)`,
    );

    // Retries stay within the budget, counted independently of it.
    const allowance = BUDGET.retryRatio * samples.length + BUDGET.minRetriesPerSecond * (BUDGET.ttlMs / 1000);
    assert.ok(retries.length > 0, 'calls in flight at the kill were retried');
    assert.ok(retries.length <= allowance, `${retries.length} retries for ${samples.length} calls, allowance ${allowance}`);
    assert.ok(retries.every((r) => r.error.code === Code.Unavailable));

    // Errors only during the outage: none before the kill, none for calls started once the breaker closed.
    const errors = samples.filter((s) => s.code !== undefined);
    assert.equal(errors.filter((s) => s.endedAt < killedAt).length, 0, 'no error before the kill');
    const afterClose = samples.filter((s) => s.startedAt >= closed.at);
    assert.ok(afterClose.length >= 4 * WORKERS, `load went on after recovery: ${afterClose.length} calls`);
    assert.deepEqual(afterClose.filter((s) => s.code !== undefined).map((s) => Code[s.code!]), [], 'no error after recovery');
    assert.deepEqual([...new Set(errors.map((s) => Code[s.code!]))], ['Unavailable'], 'outage errors are Unavailable');
    const outageErrorRate = errors.length / samples.filter((s) => s.startedAt >= killedAt && s.startedAt < closed.at).length;

    // Every keyed write took effect exactly once, across the kill.
    const effects = countEffects(load.writes, readFileSync(journal, 'utf8'));
    assert.equal(effects.unacked, 0, 'every write was acknowledged in the end');
    assert.equal(effects.lost, 0, 'no write lost');
    assert.equal(effects.duplicates, 0, 'no write applied twice');
    const reissued = load.writes.filter((op) => op.issues > 1).length;
    assert.ok(reissued > 0, 'some writes failed during the outage and were re-issued with their key');

    const seconds = (LOAD_MS / 1000).toFixed(0);
    recordReliability({
      area: 'faults',
      faultOrInput: `service SIGKILLed under load, restarted on the same port after ${(DOWN_FOR_MS / 1000).toFixed(0)} s`,
      load: `${WORKERS} callers for ${seconds} s: ${samples.length} calls (${load.writes.length} keyed CreateUser, the rest GetUser)`,
      lost: effects.lost,
      duplicates: effects.duplicates,
      recoveryMs: Math.round(recoveryMs),
      command: 'npm test -- test/reliability/service-restart',
      notes:
        `breaker opened ${Math.round(opened.at - killedAt)} ms after the kill, re-opened by ${transitions.filter((t) => t === 'HALF_OPEN->OPEN').length} failed probes, ` +
        `closed ${Math.round(recoveryMs)} ms after the restart; first success ${Math.round(firstSuccessAfterRestart.endedAt - restartedAt)} ms after restart; ` +
        `retries ${retries.length}/${samples.length} calls (${((100 * retries.length) / samples.length).toFixed(1)} %, allowance ${Math.floor(allowance)}); ` +
        `outage error rate ${(100 * outageErrorRate).toFixed(0)} % with ${wireDuringOutage} of ${callsDuringOutage} calls on the wire, median fast-fail ${medianRejectMs.toFixed(1)} ms; ` +
        `0 errors after recovery; ${reissued} writes re-issued with their key`,
    });
  });
});
