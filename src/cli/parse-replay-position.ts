import { InvalidArgumentError } from 'commander';
import type { ReplayPosition } from '../replay/index.js';

const OFFSET = /^\d+$/;
const PARTITION_OFFSETS = /^\d+:\d+(,\d+:\d+)*$/;

/**
 * parseReplayPosition is a commander option parser for `--from` / `--to`:
 * `earliest`, `latest`, an offset (`42`, on every partition), offsets per
 * partition (`0:42,1:17`), or a time (ISO-8601, e.g. `2026-11-23T09:00:00Z`).
 */
export function parseReplayPosition(value: string): ReplayPosition {
  const text = value.trim();
  if (text === 'earliest' || text === 'latest') return text;
  if (OFFSET.test(text)) return { offset: text };
  if (PARTITION_OFFSETS.test(text)) {
    return { offset: Object.fromEntries(text.split(',').map((pair) => pair.split(':').map(Number) as [number, number])) };
  }
  const ms = Date.parse(text);
  if (Number.isFinite(ms) && /\d{4}-\d{2}-\d{2}/.test(text)) return { timestamp: ms };
  throw new InvalidArgumentError('expected earliest, latest, an offset (42), offsets per partition (0:42,1:17) or an ISO-8601 time (2026-11-23T09:00:00Z)');
}
