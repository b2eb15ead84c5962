import { appendFileSync } from 'node:fs';

/**
 * ReliabilityRow is one line of RELIABILITY.md: what a fault or hostile-input
 * test did to the system and what it measured afterwards.
 */
export interface ReliabilityRow {
  /** area groups rows in the table: 'security', 'hostile input (RPC)', 'hostile input (Kafka)', 'faults'. */
  area: string;
  /** faultOrInput names what was done, e.g. "broker stopped and restarted mid-stream". */
  faultOrInput: string;
  /** load describes the traffic during the fault, e.g. "2,000 events at ~400/s". */
  load: string;
  /** lost counts records, calls, jobs or sagas whose effect never happened (must be 0). */
  lost: number;
  /** duplicates counts effects that happened more than once (must be 0). */
  duplicates: number;
  /** recoveryMs is the time from the fault lifting to normal service, or undefined when nothing had to recover. */
  recoveryMs?: number;
  /** command reproduces the row, e.g. "npm test -- test/reliability/broker-restart". */
  command: string;
  /** notes is anything else worth a reader's eye, one short sentence. */
  notes?: string;
}

/** RELIABILITY_REPORT_ENV names the file (JSON lines) that tests append their rows to; unset, rows are dropped. */
export const RELIABILITY_REPORT_ENV = 'RELIABILITY_REPORT';

/**
 * recordReliability appends one row to the file named by RELIABILITY_REPORT
 * (`npm run reliability` sets it and renders RELIABILITY.md from the rows).
 * A test records its row only after its assertions passed, with measured values.
 */
export function recordReliability(row: ReliabilityRow): void {
  const file = process.env[RELIABILITY_REPORT_ENV];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ ...row, recordedAt: new Date().toISOString() })}\n`);
}
