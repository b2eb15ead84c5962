import type { EventPublisher } from '../../events/event-publisher.js';
import type { Clock } from './clock.js';

/** ServiceDependencies are what every reference service is built from, besides its store. */
export interface ServiceDependencies<Store> {
  /** store holds the service's state; a fresh one when omitted. */
  store?: Store;
  /** events receives the domain events of every state change. */
  events: EventPublisher;
  /**
   * clock stamps created_at and friends.
   * @defaultValue systemClock
   */
  clock?: Clock;
}
