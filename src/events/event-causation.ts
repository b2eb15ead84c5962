import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

/**
 * runWithCausation runs fn as the handling of event `eventId`: events
 * published inside it get that id as their `ce_causationid` unless the
 * publisher names another cause.
 */
export function runWithCausation<T>(eventId: string, fn: () => T): T {
  return storage.run(eventId, fn);
}

/** currentCausationId returns the id of the event being handled in the current async flow, if any. */
export function currentCausationId(): string | undefined {
  return storage.getStore();
}
