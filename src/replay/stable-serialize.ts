import { configure } from 'safe-stable-stringify';

/**
 * stableSerialize is JSON with object keys sorted at every level, so two
 * states built from the same records compare equal even when records of
 * different partitions were applied in a different interleaving. Circular
 * structures throw instead of being silently rewritten.
 */
export const stableSerialize: (value: unknown) => string = (() => {
  const stringify = configure({ deterministic: true, circularValue: TypeError, bigint: true });
  return (value: unknown) => stringify(value) ?? 'null';
})();
