import kafkajs, { type Admin } from 'kafkajs';
import { KafkaTransportError } from './kafka-transport-error.js';

// kafkajs is CommonJS and Node's ESM loader cannot see this export by name.
const { ConfigResourceTypes } = kafkajs;

/** BROKER_DEFAULT_MAX_MESSAGE_BYTES is Kafka's default `message.max.bytes` (1 MiB + 12 bytes of record batch overhead). */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * topicMaxMessageBytes reads the largest record batch `topic` accepts: its
 * effective `max.message.bytes` (the topic's own, else the broker's). A
 * record larger than this fails the whole produce request it travels in.
 */
export async function topicMaxMessageBytes(admin: Admin, topic: string): Promise<number> {
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = Number(resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue);
    return Number.isSafeInteger(value) && value > 0 ? value : BROKER_DEFAULT_MAX_MESSAGE_BYTES;
  } catch (error) {
    throw new KafkaTransportError('METADATA_FAILED', `cannot read max.message.bytes of topic ${topic}: ${(error as Error).message}`, { cause: error });
  }
}
