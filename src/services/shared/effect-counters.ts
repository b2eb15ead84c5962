/**
 * EffectCounters counts applied side effects by name (escrows created,
 * refunds, ...), so tests can assert that a retried or replayed operation
 * took effect exactly once.
 */
export class EffectCounters<Name extends string> {
  private readonly counts = new Map<Name, number>();

  constructor(private readonly names: readonly Name[]) {}

  /** increment adds one (or `by`) to a counter. */
  increment(name: Name, by = 1): void {
    this.counts.set(name, this.get(name) + by);
  }

  /** get returns a counter's value, 0 if it never moved. */
  get(name: Name): number {
    return this.counts.get(name) ?? 0;
  }

  /** snapshot returns every counter, including those still at 0. */
  snapshot(): Record<Name, number> {
    return Object.fromEntries(this.names.map((name) => [name, this.get(name)])) as Record<Name, number>;
  }
}
