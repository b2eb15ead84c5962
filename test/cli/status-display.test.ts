import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createStatusDisplay } from '../../src/cli/status-display.js';
import type { StatusFrame } from '../../src/cli/status-frame.js';

function frame(authHealth: string, lag: number): StatusFrame {
  return {
    title: `mesh up · up ${lag} s`,
    components: [
      { name: 'auth', kind: 'service', pid: 11, url: 'http://127.0.0.1:3001', health: authHealth, breaker: 'CLOSED' },
      { name: 'market', kind: 'service', pid: 12, url: 'http://127.0.0.1:3002', health: 'SERVING', breaker: 'CLOSED' },
    ],
    lag: { groups: [{ group: 'cockpit.payments', topics: ['events.payments'], lag }], skipped: 0 },
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
    assert.match(output, /│ auth\s+│ service │ 11\s+│ http:\/\/127\.0\.0\.1:3001 │ SERVING │ CLOSED/);
    assert.match(output, /│ cockpit\.payments │ events\.payments │ 0\s+│/);

    output = '';
    display.show(frame('SERVING', 0));
    assert.equal(output, '');

    display.show(frame('UNREACHABLE', 4));
    assert.equal(output, 'mesh: auth health: SERVING -> UNREACHABLE\nmesh: lag cockpit.payments: 0 -> 4\n');
    display.close();
  });
});
