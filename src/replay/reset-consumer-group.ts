import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../kafka/create-kafka.js';
import { commitGroupOffsets } from './commit-group-offsets.js';
import { ReplayError, ReplayErrorCode } from './replay-error.js';
import type { OffsetValue, TimeValue } from './replay-position.js';
import { DEFAULT_REPLAY_CLIENT_ID } from './replay.js';
import { resolvePartitionWindows } from './resolve-partition-windows.js';

/**
 * ResetTarget says where a group resumes: `'earliest'`, `'latest'`, the first
 * record at or after `{ timestamp }` (the high watermark when there is none),
 * or `{ offset }` for every partition or per partition (only listed partitions
 * are changed).
 */
export type ResetTarget = 'earliest' | 'latest' | { timestamp: TimeValue } | { offset: OffsetValue | Readonly<Record<number, OffsetValue>> };

/** ResetConsumerGroupOptions configures resetConsumerGroup. */
export interface ResetConsumerGroupOptions {
  groupId: string;
  topic: string;
  to: ResetTarget;
  /**
   * Work out and return the new offsets without committing them.
   * @defaultValue false
   */
  dryRun?: boolean;
  /** @defaultValue createKafka({ clientId: 'mesh-replay' }) */
  kafka?: Kafka;
}

/** PartitionReset is the change on one partition: the committed offset before (undefined: none) and after. */
export interface PartitionReset {
  partition: number;
  previousOffset: string | undefined;
  offset: string;
}

/** ConsumerGroupReset is what resetConsumerGroup did, or would do in a dry run. */
export interface ConsumerGroupReset {
  groupId: string;
  topic: string;
  dryRun: boolean;
  partitions: PartitionReset[];
}

/** GROUP_INACTIVE_STATES are the group states in which Kafka lets offsets be changed from outside. */
export const GROUP_INACTIVE_STATES: readonly string[] = ['Empty', 'Dead'];

/**
 * resetConsumerGroup moves a stopped group's committed offsets on `topic`, for
 * "reprocess everything since the incident". It refuses with ReplayError
 * GROUP_ACTIVE while the group has members, since a running member would
 * overwrite the offsets with its next commit. 'earliest' and 'latest' are
 * resolved to concrete offsets first: kafkajs' resetOffsets commits the
 * sentinel -2/-1, which kafkajs consumers then treat as "no offset" and
 * replace with their own fromBeginning setting.
 */
export async function resetConsumerGroup(options: ResetConsumerGroupOptions): Promise<ConsumerGroupReset> {
  const { groupId, topic, dryRun = false } = options;
  const kafka = options.kafka ?? createKafka({ clientId: DEFAULT_REPLAY_CLIENT_ID });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await assertInactive(admin, groupId);
    const windows = await resolvePartitionWindows(admin, [{ topic }], options.to, 'latest');
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const previous = new Map(committed?.partitions.map(({ partition, offset }) => [partition, Number(offset) >= 0 ? offset : undefined]));
    const partitions = windows.map(({ partition, start }) => ({ partition, previousOffset: previous.get(partition), offset: start.toString() }));
    if (!dryRun && partitions.length > 0) {
      await commitGroupOffsets(kafka, groupId, topic, partitions);
    }
    return { groupId, topic, dryRun, partitions };
  } finally {
    await admin.disconnect();
  }
}

async function assertInactive(admin: Admin, groupId: string): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups.find((candidate) => candidate.groupId === groupId);
  if (group && (group.members.length > 0 || !GROUP_INACTIVE_STATES.includes(group.state))) {
    throw new ReplayError(ReplayErrorCode.GROUP_ACTIVE, `group ${groupId} is ${group.state} with ${group.members.length} member(s); stop it before resetting its offsets`, {
      group: { groupId, state: group.state, members: group.members.length },
    });
  }
}
