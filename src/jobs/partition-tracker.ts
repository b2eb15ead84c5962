/**
 * PartitionTracker follows the jobs of one partition that a worker took, so
 * that only offsets below the lowest unfinished job are committed (Confluent
 * Parallel Consumer's rule): a crash then redelivers every job that did not
 * finish, and nothing that did, except those finished above a gap.
 */
export class PartitionTracker {
  /** Offsets taken and not yet committed: false while running, true once finished. */
  private readonly taken = new Map<bigint, boolean>();
  private floor: bigint | undefined;
  private next: bigint | undefined;
  committed: bigint | undefined;

  /** seen says whether `offset` was already taken (running, finished, or below the floor). */
  seen(offset: bigint): boolean {
    return (this.floor !== undefined && offset < this.floor) || this.taken.has(offset);
  }

  take(offset: bigint): void {
    this.floor ??= offset;
    this.taken.set(offset, false);
    if (this.next === undefined || offset >= this.next) this.next = offset + 1n;
  }

  finish(offset: bigint): void {
    if (this.taken.has(offset)) this.taken.set(offset, true);
  }

  get running(): number {
    let count = 0;
    for (const done of this.taken.values()) if (!done) count += 1;
    return count;
  }

  /** committable returns the offset to commit (the lowest unfinished one, or the next after all taken), dropping finished offsets below it. */
  committable(): bigint | undefined {
    if (this.next === undefined) return undefined;
    let lowest = this.next;
    for (const [offset, done] of this.taken) if (!done && offset < lowest) lowest = offset;
    for (const offset of this.taken.keys()) if (offset < lowest) this.taken.delete(offset);
    this.floor = lowest;
    return lowest;
  }
}
