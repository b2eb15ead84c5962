import type { ObservableGauge } from '@opentelemetry/api';
import type { Admin } from 'kafkajs';
import type { Disposable } from '../resilience/index.js';
import { meshMetrics, MetricNames } from './mesh-metrics.js';
import { MessagingAttributes } from './semantic-attributes.js';

/** PartitionLag is how far a consumer group is behind on one partition. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (the next record it will read), or undefined when it has committed none. */
  readonly committedOffset: number | undefined;
  /** The partition's high watermark (the offset the next record will get). */
  readonly highWatermark: number;
  /** Records not yet consumed: high watermark − committed offset (− low watermark when nothing is committed). */
  readonly lag: number;
}

/** LagAdmin is the part of a kafkajs Admin that fetchConsumerLag uses. */
export type LagAdmin = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;

/**
 * computeLag returns the lag of each partition of `topic` from the topic's
 * watermarks and the group's committed offsets (as kafkajs admin returns
 * them: strings, `-1` for none committed).
 */
export function computeLag(
  topic: string,
  watermarks: ReadonlyArray<{ partition: number; high: string; low: string }>,
  committed: ReadonlyArray<{ partition: number; offset: string }>,
): PartitionLag[] {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return watermarks.map(({ partition, high, low }) => {
    const highWatermark = Number(high);
    const offset = byPartition.get(partition);
    const committedOffset = offset === undefined || offset < 0 ? undefined : offset;
    const lag = Math.max(0, highWatermark - (committedOffset ?? Number(low)));
    return { topic, partition, committedOffset, highWatermark, lag };
  });
}

/** fetchConsumerLag asks the brokers for the lag of `groupId` on every partition of `topics`. */
export async function fetchConsumerLag(admin: LagAdmin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const [groupOffsets, ...watermarks] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((topic) => admin.fetchTopicOffsets(topic)),
  ]);
  return topics.flatMap((topic, i) =>
    computeLag(topic, watermarks[i]!, groupOffsets.find((g) => g.topic === topic)?.partitions ?? []),
  );
}

/** ConsumerLagSource names the group and topics observeConsumerLag reports, and the admin client to ask. */
export interface ConsumerLagSource {
  /** admin is a connected kafkajs Admin; the caller owns it. */
  readonly admin: LagAdmin;
  readonly groupId: string;
  readonly topics: readonly string[];
}

let gauge: { meter: unknown; instrument: ObservableGauge; sources: Set<ConsumerLagSource> } | undefined;

/**
 * observeConsumerLag reports the lag of a consumer group on the
 * `messaging.kafka.consumer.lag` gauge, one series per group, topic and
 * partition, fetched from the brokers each time metrics are collected.
 * Dispose the result to stop.
 */
export function observeConsumerLag(source: ConsumerLagSource): Disposable {
  const { meter } = meshMetrics();
  if (gauge?.meter !== meter) {
    const sources = new Set<ConsumerLagSource>();
    const instrument = meter.createObservableGauge(MetricNames.CONSUMER_LAG, {
      description: 'Records a consumer group has not consumed yet, per topic and partition',
      unit: '{message}',
    });
    instrument.addCallback(async (result) => {
      const lags = await Promise.all(
        // A fetch that fails (broker away) drops that group's sample rather than the whole collection.
        [...sources].map(async (s) => ({ groupId: s.groupId, lags: await fetchConsumerLag(s.admin, s.groupId, s.topics).catch(() => []) })),
      );
      for (const { groupId, lags: partitions } of lags) {
        for (const p of partitions) {
          result.observe(p.lag, {
            [MessagingAttributes.SYSTEM]: 'kafka',
            [MessagingAttributes.KAFKA_CONSUMER_GROUP]: groupId,
            [MessagingAttributes.DESTINATION_NAME]: p.topic,
            [MessagingAttributes.KAFKA_DESTINATION_PARTITION]: p.partition,
          });
        }
      }
    });
    gauge = { meter, instrument, sources };
  }
  const { sources } = gauge;
  sources.add(source);
  return { dispose: () => void sources.delete(source) };
}
