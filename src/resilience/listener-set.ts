import type { Disposable } from './disposable.js';

/**
 * ListenerSet holds the listeners of one event and calls them in subscription order.
 *
 * A throwing listener must not leave the caller (a breaker in the middle of a
 * transition) half-updated, nor stop the other listeners, so its error is
 * rethrown on a later microtask where it surfaces as an uncaught exception.
 */
export class ListenerSet<T> {
  readonly #listeners = new Set<(value: T) => void>();

  /** subscribe adds `listener` and returns a Disposable that removes it. */
  subscribe(listener: (value: T) => void): Disposable {
    // Wrap so the same function subscribed twice gets two independent handles.
    const entry = (value: T): void => listener(value);
    this.#listeners.add(entry);
    return { dispose: () => void this.#listeners.delete(entry) };
  }

  /** emit calls every current listener with `value`. */
  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
