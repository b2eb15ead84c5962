import type { Kafka } from 'kafkajs';
import { createMeshProducer, type MeshProducer, type MeshProducerOptions } from './mesh-producer.js';

interface Shared {
  producer: MeshProducer;
  leases: number;
}

const shared = new WeakMap<Kafka, Shared>();

/**
 * acquireSharedProducer returns a lease on the one MeshProducer of a kafkajs
 * client, so every publisher of a process shares one connection and one
 * batching queue. The lease's `close` releases it; the last release closes the
 * producer. `options` apply only when the lease creates the producer.
 */
export function acquireSharedProducer(kafka: Kafka, options?: MeshProducerOptions): MeshProducer {
  let entry = shared.get(kafka);
  if (!entry) {
    entry = { producer: createMeshProducer(kafka, options), leases: 0 };
    shared.set(kafka, entry);
  }
  const current = entry;
  current.leases += 1;
  let released = false;
  return {
    send: (records) => current.producer.send(records),
    async close() {
      if (released) return;
      released = true;
      current.leases -= 1;
      if (current.leases === 0) {
        if (shared.get(kafka) === current) shared.delete(kafka);
        await current.producer.close();
      }
    },
  };
}
