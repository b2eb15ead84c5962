import { existsSync, readFileSync } from 'node:fs';
import type { DedupeStore } from '../../src/events/index.js';

/** readLines returns the non-empty lines of a file, or none when it does not exist yet. */
export function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * effectLogStore is a DedupeStore over an effect log: a file where the
 * handler appends one line (the id) per effect. The id is persisted in the
 * same write as the effect, so a SIGKILL can never separate the two, and a
 * restarted process knows every id that had its effect.
 */
export function effectLogStore(file: string, onDuplicate?: (id: string) => void): DedupeStore {
  const ids = new Set(readLines(file));
  return {
    has: async (id) => {
      const seen = ids.has(id);
      if (seen) onDuplicate?.(id);
      return seen;
    },
    // The durable record is the effect line the handler wrote.
    add: async (id) => void ids.add(id),
  };
}

/** EffectTally counts the lines of an effect log against the ids that should each have exactly one. */
export interface EffectTally {
  /** Expected ids with no effect line. */
  lost: number;
  /** Effect lines beyond the first of an id. */
  duplicates: number;
  /** Effect lines of ids nobody expected. */
  unexpected: number;
}

/** tallyEffects compares effect lines with the expected ids. */
export function tallyEffects(lines: readonly string[], expected: readonly string[]): EffectTally {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  const wanted = new Set(expected);
  let duplicates = 0;
  let unexpected = 0;
  for (const [id, count] of counts) {
    duplicates += count - 1;
    if (!wanted.has(id)) unexpected += 1;
  }
  return { lost: expected.filter((id) => !counts.has(id)).length, duplicates, unexpected };
}
