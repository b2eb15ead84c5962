/**
 * Disposable is a handle that undoes a registration, such as a state-change
 * listener or an isolation, when `dispose()` is called. Calling it twice is harmless.
 */
export interface Disposable {
  dispose(): void;
}
