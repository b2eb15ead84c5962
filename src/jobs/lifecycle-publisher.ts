import type { MeshProducer, OutgoingRecord } from '../kafka/index.js';
import { LIFECYCLE_DELIMITED_ENCODING, LifecycleHeaders, packLifecycleEvents, type LifecycleEventFields } from './lifecycle-record.js';

/** LifecycleEventInit is a job lifecycle event to publish; its time defaults to when it was published. */
export type LifecycleEventInit = Omit<LifecycleEventFields, 'atMs'> & { atMs?: number };

/** LifecyclePublisher sends job lifecycle events, packed, to the lifecycle topic. */
export interface LifecyclePublisher {
  /**
   * publish stamps `events` and sends them, with `records` (of other topics)
   * in the same produce request, and resolves once the broker acknowledged
   * them all. Events of one `source` (a worker's partition) go to one record
   * key, so followers see them in publish order; a job's events must always
   * come from one source.
   */
  publish(source: string, events: readonly LifecycleEventInit[], records?: readonly OutgoingRecord[]): Promise<void>;
  /** emit publishes `events` like publish, but once and without telling the outcome: for events not worth holding a job up for (ACTIVE, PROGRESS). */
  emit(source: string, events: readonly LifecycleEventInit[]): void;
}

interface Entry {
  source: string;
  events: LifecycleEventFields[];
  records: readonly OutgoingRecord[];
  resolve(): void;
  reject(error: unknown): void;
}

function ignore(): void {}

/**
 * createLifecyclePublisher returns a LifecyclePublisher over `producer`.
 *
 * Why it packs: two events per job (ACTIVE, then COMPLETED) were two records,
 * and a record costs the producer, the broker and every QueueEvents far more
 * than its ~60 bytes. One send is in flight at a time; what is published
 * meanwhile goes out together in the next one, as one record per source
 * (split past LIFECYCLE_RECORD_MAX_BYTES), size-delimited.
 */
export function createLifecyclePublisher(producer: () => MeshProducer, topic: string): LifecyclePublisher {
  let queue: Entry[] = [];
  let sending = false;

  function toRecords(entries: readonly Entry[]): OutgoingRecord[] {
    const records: OutgoingRecord[] = [];
    const bySource = new Map<string, LifecycleEventFields[]>();
    for (const entry of entries) {
      records.push(...entry.records);
      if (entry.events.length === 0) continue;
      const events = bySource.get(entry.source);
      if (events) events.push(...entry.events);
      else bySource.set(entry.source, [...entry.events]);
    }
    for (const [source, events] of bySource) {
      const headers = { [LifecycleHeaders.QUEUE]: events[0]!.queue, [LifecycleHeaders.ENCODING]: LIFECYCLE_DELIMITED_ENCODING };
      for (const value of packLifecycleEvents(events)) records.push({ topic, key: source, value, headers });
    }
    return records;
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const entries = queue;
        queue = [];
        try {
          await producer().send(toRecords(entries));
          for (const entry of entries) entry.resolve();
        } catch (error) {
          for (const entry of entries) entry.reject(error);
        }
      }
    } finally {
      sending = false;
    }
  }

  function stamp(inits: readonly LifecycleEventInit[]): LifecycleEventFields[] {
    const atMs = Date.now();
    return inits.map((init) => (init.atMs === undefined ? { ...init, atMs } : (init as LifecycleEventFields)));
  }

  function enqueue(entry: Entry): void {
    queue.push(entry);
    if (sending) return;
    sending = true;
    // On the next turn, so what is published in this one shares the send.
    setImmediate(() => void drain());
  }

  return {
    publish: (source, inits, records = []) => new Promise<void>((resolve, reject) => enqueue({ source, events: stamp(inits), records, resolve, reject })),
    // No promise: one fewer per job, and with AsyncLocalStorage in the process every promise pays its hooks.
    emit: (source, inits) => enqueue({ source, events: stamp(inits), records: [], resolve: ignore, reject: ignore }),
  };
}
