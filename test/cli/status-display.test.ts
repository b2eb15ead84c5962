import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createStatusDisplay } from '../../src/cli/status-display.js';
import type { StatusFrame } from '../../src/cli/status-frame.js';

function frame(authHealth: string, lag: number, completed = 0): StatusFrame {
  return {
    title: `mesh up · up ${lag} s`,
    components: [
      { name: 'auth', kind: 'service', pid: 11, url: 'http://127.0.0.1:3001', health: authHealth, inFlight: '2', breakers: '-', breaker: 'CLOSED' },
      { name: 'market', kind: 'service', pid: 12, url: 'http://127.0.0.1:3002', health: 'SERVING', inFlight: '0', breakers: 'billing OPEN, 1 CLOSED', breaker: 'CLOSED' },
    ],
    lag: { groups: [{ group: 'cockpit.payments', topics: ['events.payments'], lag }], skipped: 0 },
    sagas: { RUNNING: 1, COMPLETED: completed },
  };
}

describe('createStatusDisplay on a pipe', () => {
  test('prints the table once, then one line per change and nothing when nothing changed', () => {
    const stream = new PassThrough();
    let output = '';
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const display = createStatusDisplay(stream as unknown as NodeJS.WriteStream);

    display.show(frame('SERVING', 0));
    assert.match(output, /^mesh up · up 0 s\n┌/);
    assert.match(output, /│ auth\s+│ service │ 11\s+│ http:\/\/127\.0\.0\.1:3001 │ SERVING │ 2\s+│ -\s+│ CLOSED/);
    assert.match(output, /│ market\s+│ service │ 12\s+│ http:\/\/127\.0\.0\.1:3002 │ SERVING │ 0\s+│ billing OPEN, 1 CLOSED │ CLOSED/);
    assert.match(output, /│ cockpit\.payments │ events\.payments │ 0\s+│/);
    assert.match(output, /\nsagas: RUNNING 1 · COMPLETED 0\n/);

    output = '';
    display.show(frame('SERVING', 0));
    assert.equal(output, '');

    display.show(frame('UNREACHABLE', 4, 2));
    assert.equal(output, 'mesh: auth health: SERVING -> UNREACHABLE\nmesh: lag cockpit.payments: 0 -> 4\nmesh: sagas COMPLETED: 0 -> 2\n');
    display.close();
  });
});
