import { createLogUpdate } from 'log-update';
import type { StatusFrame } from './status-frame.js';
import { renderStatusTable } from './status-table.js';

/** StatusDisplay shows successive StatusFrames. */
export interface StatusDisplay {
  show(frame: StatusFrame): void;
  /** close leaves the last frame on screen and stops redrawing. */
  close(): void;
}

/**
 * createStatusDisplay redraws the table in place on a terminal (log-update);
 * on anything else (a pipe, a log file, a test, an unsized pty) it prints the table once and
 * then one line per change, so the output stays readable as a log.
 */
export function createStatusDisplay(stream: NodeJS.WriteStream = process.stdout): StatusDisplay {
  // A terminal of size 0x0 (a pty nobody sized) would make log-update clip everything.
  if (stream.isTTY && stream.rows > 0 && stream.columns > 0) {
    // showCursor: hiding it would install signal-exit's handlers, which must not compete with the CLI's own SIGINT handling.
    const update = createLogUpdate(stream, { showCursor: true });
    return { show: (frame) => update(renderStatusTable(frame)), close: () => update.done() };
  }
  let previous: Map<string, string> | undefined;
  return {
    show(frame) {
      const current = facts(frame);
      if (!previous) {
        stream.write(`${renderStatusTable(frame)}\n`);
      } else {
        for (const [key, value] of current) {
          const before = previous.get(key);
          if (before !== value) stream.write(`mesh: ${key}: ${before ?? '-'} -> ${value}\n`);
        }
        for (const key of previous.keys()) if (!current.has(key)) stream.write(`mesh: ${key}: gone\n`);
      }
      previous = current;
    },
    close() {},
  };
}

function facts(frame: StatusFrame): Map<string, string> {
  const facts = new Map<string, string>();
  for (const row of frame.components) {
    facts.set(`${row.name} health`, row.health);
    facts.set(`${row.name} breaker`, row.breaker);
    if (row.breakers !== '-') facts.set(`${row.name} breakers (out)`, row.breakers);
  }
  if (frame.lag && 'groups' in frame.lag) for (const group of frame.lag.groups) facts.set(`lag ${group.group}`, String(group.lag));
  else if (frame.lag) facts.set('lag', 'unavailable');
  if (frame.sagas && !('error' in frame.sagas)) for (const [status, count] of Object.entries(frame.sagas)) facts.set(`sagas ${status}`, String(count));
  return facts;
}
