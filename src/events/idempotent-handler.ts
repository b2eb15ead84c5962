import type { DescMessage } from '@bufbuild/protobuf';
import type { ConsumedEvent, EventHandler } from './consumed-event.js';
import { createMemoryDedupeStore, type DedupeStore } from './dedupe-store.js';

/** IdempotentHandlerOptions configures createIdempotentHandler. */
export interface IdempotentHandlerOptions {
  /** @defaultValue a new createMemoryDedupeStore() */
  store?: DedupeStore;
  /** What identifies an event; @defaultValue its CloudEvents id (`ce_id`). */
  key?: (event: ConsumedEvent) => string;
  /** Called instead of the handler for an event already handled. */
  onDuplicate?: (event: ConsumedEvent) => void;
}

/**
 * createIdempotentHandler wraps a handler so a redelivered event (same
 * `ce_id`) has one effect: it skips ids the store has, and records an id after
 * the handler succeeded. Deliveries of one id are serialized within the process.
 */
export function createIdempotentHandler<Desc extends DescMessage>(handler: EventHandler<Desc>, options: IdempotentHandlerOptions = {}): EventHandler<Desc> {
  const store = options.store ?? createMemoryDedupeStore();
  const key = options.key ?? ((event: ConsumedEvent) => event.id);
  const running = new Map<string, Promise<void>>();
  return async (event) => {
    const id = key(event);
    // Another delivery of the same id is running (two partitions, two subscriptions): wait for it.
    while (running.has(id)) await running.get(id)!.catch(() => undefined);
    const run = (async () => {
      if (await store.has(id)) {
        options.onDuplicate?.(event);
        return;
      }
      await handler(event);
      await store.add(id);
    })();
    running.set(id, run);
    try {
      await run;
    } finally {
      running.delete(id);
    }
  };
}
