import { randomUUID } from 'node:crypto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Kafka } from 'kafkajs';
import type { ChannelName, ConsumedEvent, EventBus, Subscription } from '../events/index.js';
import { resetConsumerGroup } from '../replay/index.js';
import { SagaError } from './saga-error.js';

/** SagaEventWaiterOptions configure createSagaEventWaiter. */
export interface SagaEventWaiterOptions {
  /** bus consumes the channels (its topic prefix and registry apply). */
  bus: EventBus;
  /** kafka moves the waiter's fresh group to the start of the lookback before it joins. */
  kafka: Kafka;
  /** channels carrying the awaited events, e.g. EventChannels.PAYMENTS for billing's EscrowFunded. */
  channels: readonly ChannelName[];
  /** types the waiter keeps; other events are skipped. */
  types: readonly DescMessage[];
  /**
   * lookbackMs is how far back the waiter starts reading when it starts, so a
   * restarted coordinator finds events published before it (while no
   * coordinator was running); make it at least the longest a saga awaits.
   * @defaultValue DEFAULT_SAGA_EVENT_LOOKBACK_MS
   */
  lookbackMs?: number;
  /** bufferSize is how many recent events (of `types`) are kept for waits that start after their event. @defaultValue DEFAULT_SAGA_EVENT_BUFFER_SIZE */
  bufferSize?: number;
  /** group of the subscription: each process needs its own (every coordinator sees every event). @defaultValue `saga-events-<uuid>` */
  group?: string;
  /** clockSkewMs is how much earlier than a wait's `since` an event may be stamped and still match. @defaultValue DEFAULT_SAGA_EVENT_CLOCK_SKEW_MS */
  clockSkewMs?: number;
}

/** DEFAULT_SAGA_EVENT_LOOKBACK_MS starts a waiter an hour back: the default saga timeout is well within it. */
export const DEFAULT_SAGA_EVENT_LOOKBACK_MS = 3_600_000;
/** DEFAULT_SAGA_EVENT_BUFFER_SIZE is how many recent awaited-type events a waiter remembers. */
export const DEFAULT_SAGA_EVENT_BUFFER_SIZE = 50_000;
/** DEFAULT_SAGA_EVENT_CLOCK_SKEW_MS tolerates a publisher's clock being behind the coordinator's. */
export const DEFAULT_SAGA_EVENT_CLOCK_SKEW_MS = 5_000;

/** SagaEventWait describes the event one wait is for. */
export interface SagaEventWait<Desc extends DescMessage> {
  type: Desc;
  /** match picks the event of this saga (the correlation: an aggregate id, a field). */
  match(payload: MessageShape<Desc>, event: ConsumedEvent<Desc>): boolean;
  /** since ignores events stamped earlier (minus clockSkewMs): pass the saga's start. */
  since?: Date;
  signal?: AbortSignal;
}

/** SagaEventWaiter follows event channels for the steps that await a domain event. */
export interface SagaEventWaiter {
  /** start joins the channels from the lookback on; waitFor calls it. */
  start(): Promise<void>;
  /** waitFor resolves with the first event (already seen or coming) that matches; rejects with STEP_TIMEOUT when the signal aborts, STOPPED on close. */
  waitFor<Desc extends DescMessage>(wait: SagaEventWait<Desc>): Promise<ConsumedEvent<Desc>>;
  close(): Promise<void>;
}

interface Pending {
  wait: SagaEventWait<DescMessage>;
  resolve(event: ConsumedEvent): void;
  reject(error: Error): void;
}

const stampOf = (event: ConsumedEvent) => event.time?.getTime() ?? Number.POSITIVE_INFINITY;

/**
 * createSagaEventWaiter subscribes (through the event bus, in a group of its
 * own) to the channels of the awaited events, starting `lookbackMs` back:
 * events published while no coordinator ran are read again at start, so a
 * recovered saga finds the event it was waiting for. Recent events stay in a
 * bounded buffer, so a wait that starts after its event still matches.
 */
export function createSagaEventWaiter(options: SagaEventWaiterOptions): SagaEventWaiter {
  const group = options.group ?? `saga-events-${randomUUID()}`;
  const bufferSize = options.bufferSize ?? DEFAULT_SAGA_EVENT_BUFFER_SIZE;
  const skew = options.clockSkewMs ?? DEFAULT_SAGA_EVENT_CLOCK_SKEW_MS;
  const typeNames = new Set(options.types.map((type) => type.typeName));
  const recent: ConsumedEvent[] = [];
  const pending = new Set<Pending>();
  let subscription: Promise<Subscription> | undefined;
  let closed = false;

  const matches = (wait: SagaEventWait<DescMessage>, event: ConsumedEvent) =>
    event.schema.typeName === wait.type.typeName && (!wait.since || stampOf(event) >= wait.since.getTime() - skew) && wait.match(event.payload, event);

  const onEvent = async (event: ConsumedEvent) => {
    if (!typeNames.has(event.schema.typeName)) return;
    recent.push(event);
    // Drop the oldest in bulk, so the buffer costs amortised O(1) per event.
    if (recent.length > bufferSize * 1.25) recent.splice(0, recent.length - bufferSize);
    for (const entry of pending) if (matches(entry.wait, event)) entry.resolve(event);
  };

  async function subscribe(): Promise<Subscription> {
    await options.bus.provisionChannels(options.channels);
    const from = Date.now() - (options.lookbackMs ?? DEFAULT_SAGA_EVENT_LOOKBACK_MS);
    for (const channel of options.channels) {
      await resetConsumerGroup({ groupId: group, topic: options.bus.topicOf(channel), to: { timestamp: from }, kafka: options.kafka });
    }
    return options.bus.subscribe({ types: options.types, channels: options.channels }, onEvent, { group, fromBeginning: true, concurrency: 8 });
  }

  const start = () => {
    if (closed) return Promise.reject(new SagaError('STOPPED', 'the saga event waiter is closed'));
    subscription ??= subscribe();
    subscription.catch(() => (subscription = undefined));
    return subscription.then(() => undefined);
  };

  return {
    start,
    async waitFor<Desc extends DescMessage>(wait: SagaEventWait<Desc>): Promise<ConsumedEvent<Desc>> {
      await start();
      const erased = wait as unknown as SagaEventWait<DescMessage>;
      for (let index = recent.length - 1; index >= 0; index--) if (matches(erased, recent[index]!)) return recent[index] as ConsumedEvent<Desc>;
      return new Promise<ConsumedEvent<Desc>>((resolve, reject) => {
        const entry: Pending = {
          wait: erased,
          resolve: (event) => (done(), resolve(event as ConsumedEvent<Desc>)),
          reject: (error) => (done(), reject(error)),
        };
        const onAbort = () => entry.reject(new SagaError('STEP_TIMEOUT', `no ${wait.type.typeName} matched in time`, { cause: wait.signal?.reason }));
        const done = () => {
          pending.delete(entry);
          wait.signal?.removeEventListener('abort', onAbort);
        };
        if (wait.signal?.aborted) return onAbort();
        wait.signal?.addEventListener('abort', onAbort, { once: true });
        pending.add(entry);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of [...pending]) entry.reject(new SagaError('STOPPED', 'the saga event waiter is closed'));
      const active = await subscription?.catch(() => undefined);
      await active?.();
      const admin = options.kafka.admin();
      await admin.connect().then(() => admin.deleteGroups([group])).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
