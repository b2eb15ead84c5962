import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ensureTopics, type TopicSpec } from '../../src/kafka/index.js';
import { testKafka, uniqueName, useAdmin } from '../support/kafka.js';

describe('ensureTopics', () => {
  const kafka = testKafka();
  const admin = useAdmin(kafka);

  test('creates missing topics with their partitions and configs, and is idempotent', async () => {
    const a = uniqueName('ensure-a');
    const b = uniqueName('ensure-b');
    const specs: TopicSpec[] = [
      { topic: a, partitions: 4, configs: { 'retention.ms': '3600000' } },
      { topic: b, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
    ];
    assert.deepEqual(await ensureTopics(admin, specs), { created: [a, b], existing: [] });
    assert.deepEqual(await ensureTopics(admin, specs), { created: [], existing: [a, b] });
    const metadata = await admin.fetchTopicMetadata({ topics: [a, b] });
    assert.deepEqual(metadata.topics.map((topic) => [topic.name, topic.partitions.length]).sort(), [[a, 4], [b, 1]].sort());
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: 2, name: a, configNames: ['retention.ms'] },
        { type: 2, name: b, configNames: ['cleanup.policy'] },
      ],
    });
    const values = Object.fromEntries(configs.resources.map((resource) => [resource.resourceName, resource.configEntries[0]?.configValue]));
    assert.deepEqual(values, { [a]: '3600000', [b]: 'compact' });
  });

  test('concurrent callers racing on the same topics all succeed, and each topic is created once', async () => {
    const topics = [uniqueName('race-a'), uniqueName('race-b'), uniqueName('race-c')];
    const specs = topics.map((topic) => ({ topic, partitions: 2 }));
    const admins = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = kafka.admin();
        await client.connect();
        return client;
      }),
    );
    try {
      const results = await Promise.all(admins.map((client) => ensureTopics(client, specs)));
      for (const result of results) assert.deepEqual([...result.created, ...result.existing].sort(), [...topics].sort());
      const created = results.flatMap((result) => result.created);
      assert.ok(created.length <= topics.length, `no topic is reported created twice: ${created.join(', ')}`);
      assert.equal(new Set(created).size, created.length);
    } finally {
      await Promise.all(admins.map((client) => client.disconnect()));
    }
  });
});
