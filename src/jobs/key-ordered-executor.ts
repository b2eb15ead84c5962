/**
 * KeyOrderedExecutor runs tasks with at most `concurrency` at a time, and
 * tasks of one key one after the other in submission order (key-ordered
 * parallelism); tasks without a key only wait for a free slot.
 */
export class KeyOrderedExecutor {
  private running = 0;
  /** Tasks ready to start (heads of their key), in submission order. */
  private readonly ready: { key: string | undefined; task: () => Promise<void> }[] = [];
  /** Per key: tasks waiting behind the key's running or ready task. */
  private readonly chains = new Map<string, (() => Promise<void>)[]>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  get active(): number {
    return this.running;
  }

  submit(key: string | undefined, task: () => Promise<void>): void {
    if (key !== undefined) {
      const chain = this.chains.get(key);
      if (chain) {
        chain.push(task);
        return;
      }
      this.chains.set(key, []);
    }
    this.ready.push({ key, task });
    this.pump();
  }

  /** drop forgets the tasks that did not start yet (a closing worker leaves them to the partition's next owner). */
  drop(): void {
    this.ready.length = 0;
    this.chains.clear();
  }

  /** idle resolves once no task is running or waiting. */
  idle(): Promise<void> {
    if (this.running === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const { key, task } = this.ready.shift()!;
      this.running += 1;
      // One then() for both outcomes rather than catch() and finally(): a promise fewer per task.
      const done = (): void => {
        this.running -= 1;
        if (key !== undefined) {
          const chain = this.chains.get(key);
          const next = chain?.shift();
          if (next) this.ready.push({ key, task: next });
          else this.chains.delete(key);
        }
        this.pump();
        if (this.running === 0 && this.ready.length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      };
      void task().then(done, done);
    }
  }
}
