/**
 * DedupeStore remembers which event ids were handled. For exactly one effect
 * across crashes, a persistent store must record the id in the same write or
 * transaction as the handler's effect; a store written separately narrows the
 * window between effect and record but cannot close it.
 */
export interface DedupeStore {
  has(id: string): Promise<boolean>;
  add(id: string): Promise<void>;
}

/** MemoryDedupeStoreOptions configures createMemoryDedupeStore. */
export interface MemoryDedupeStoreOptions {
  /**
   * How many ids are kept; the oldest is forgotten first.
   * @defaultValue DEFAULT_DEDUPE_CAPACITY (10 000)
   */
  capacity?: number;
}

/** DEFAULT_DEDUPE_CAPACITY covers redeliveries after a rebalance, which repeat at most the uncommitted tail. */
export const DEFAULT_DEDUPE_CAPACITY = 10_000;

/** createMemoryDedupeStore returns a bounded in-process DedupeStore; it forgets on restart. */
export function createMemoryDedupeStore(options: MemoryDedupeStoreOptions = {}): DedupeStore {
  const capacity = options.capacity ?? DEFAULT_DEDUPE_CAPACITY;
  const ids = new Set<string>();
  return {
    has: async (id) => ids.has(id),
    add: async (id) => {
      ids.delete(id);
      ids.add(id);
      // A Set iterates in insertion order, so the first entry is the oldest.
      while (ids.size > capacity) ids.delete(ids.values().next().value!);
    },
  };
}
