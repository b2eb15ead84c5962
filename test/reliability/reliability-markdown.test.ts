import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failingRows, formatDuration, renderReliabilityMarkdown, type ReliabilityRun } from '../support/reliability-markdown.js';
import type { ReliabilityRow } from '../support/reliability-report.js';

const run: ReliabilityRun = {
  date: new Date('2026-12-03T09:00:00Z'),
  machine: '2 × Test CPU, Node v20.0.0',
  command: 'npm test -- a b',
  passed: true,
  tests: { pass: 3, fail: 0 },
  durationMs: 65_000,
  silentFiles: [],
};
const row = (overrides: Partial<ReliabilityRow>): ReliabilityRow => ({ area: 'faults', faultOrInput: 'x', load: 'y', lost: 0, duplicates: 0, command: 'npm test -- x', ...overrides });

describe('RELIABILITY.md rendering', () => {
  test('durations read as ms, seconds or minutes, and nothing to recover as a dash', () => {
    assert.deepEqual([formatDuration(850), formatDuration(7740), formatDuration(125_000), formatDuration(undefined)], ['850 ms', '7.7 s', '2 min 05 s', '—']);
  });

  test('groups rows by area in the issue order, one table row each, with the run on top', () => {
    const markdown = renderReliabilityMarkdown(
      [
        row({ area: 'faults', faultOrInput: 'broker | killed', recoveryMs: 4300, notes: 'two\nlines' }),
        row({ area: 'security', faultOrInput: 'no client certificate' }),
        row({ area: 'custom', faultOrInput: 'other' }),
      ],
      run,
    );
    const headings = markdown.split('\n').filter((line) => line.startsWith('## '));
    assert.deepEqual(headings, ['## Security', '## Faults', '## Custom']);
    assert.match(markdown, /^- \*\*Run:\*\* PASS: 3 tests passed, 0 failed, in 1 min 05 s$/m);
    assert.match(markdown, /^\| broker \\\| killed \| y \| 0 \| 0 \| 4\.3 s \| `npm test -- x` \| two lines \|$/m);
  });

  test('a row with a loss or a duplicate, a failed run, or a silent test file makes the run FAIL', () => {
    const bad = [row({ faultOrInput: 'lossy', lost: 2 }), row({ faultOrInput: 'fine' })];
    assert.deepEqual(failingRows(bad).map((entry) => entry.faultOrInput), ['lossy']);
    assert.match(renderReliabilityMarkdown(bad, run), /^- \*\*Run:\*\* FAIL/m);
    assert.match(renderReliabilityMarkdown([row({})], { ...run, passed: false }), /^- \*\*Run:\*\* FAIL/m);
    assert.match(renderReliabilityMarkdown([row({})], { ...run, silentFiles: ['test/a.test.ts'] }), /recorded no row:\*\* test\/a\.test\.ts/);
  });
});
