/**
 * Mutex runs async critical sections one at a time. The services publish an
 * event before committing its state change (so a failed publish changes
 * nothing); the lock keeps another call from acting on the state in between.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** runExclusive runs fn once every earlier section has settled, and returns its result. */
  runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
