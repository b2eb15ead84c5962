import { Code, ConnectError } from '@connectrpc/connect';
import type { EventPublisher } from '../../events/event-publisher.js';
import type { Clock } from './clock.js';

/**
 * createServicePublisher wraps the publisher a service is given: each event
 * is stamped with the service clock's time (so ce_time agrees with the
 * *_at fields under a test clock), and a failed publish reaches the caller
 * as UNAVAILABLE. The services publish before they commit, so after a
 * failed publish nothing changed and a retry is safe, which is what that
 * code tells retrying clients.
 */
export function createServicePublisher(events: EventPublisher, clock: Clock): EventPublisher {
  return {
    async publish(channel, schema, payload, options) {
      try {
        return await events.publish(channel, schema, payload, { ...options, time: options.time ?? clock() });
      } catch (cause) {
        if (cause instanceof ConnectError) throw cause;
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new ConnectError(`event ${schema.typeName} not published, nothing changed: ${reason}`, Code.Unavailable, undefined, undefined, cause);
      }
    },
  };
}
