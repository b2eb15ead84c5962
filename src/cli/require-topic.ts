import type { Admin } from 'kafkajs';
import { CliError } from './cli-error.js';

/** requireTopic throws a CliError UNKNOWN_TOPIC, pointing at `mesh topics`, unless `topic` exists. */
export async function requireTopic(admin: Admin, topic: string): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) {
    throw new CliError('UNKNOWN_TOPIC', `topic ${topic} does not exist; \`npm run mesh -- topics\` lists the topics`);
  }
}
