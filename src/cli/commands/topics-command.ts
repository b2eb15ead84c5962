import type { Command } from 'commander';
import { connectCliKafka } from '../cli-kafka.js';
import { createPlainTable } from '../plain-table.js';
import { printJson } from '../print-json.js';
import { topicCatalogue } from '../topic-catalogue.js';
import { readTopicLag } from '../topic-lag.js';

interface TopicsOptions {
  json?: boolean;
  all?: boolean;
}

/**
 * registerTopicsCommand adds `mesh topics`: the catalogue of the mesh's
 * topics (event channels, job queues, saga log) with partitions, end offsets
 * and the lag of every consumer group on each.
 */
export function registerTopicsCommand(program: Command): void {
  program
    .command('topics')
    .description('the topic catalogue (events, jobs, sagas): partitions, end offsets, lag per consumer group')
    .option('--all', 'also list catalogue topics that do not exist yet')
    .option('--json', 'print JSON')
    .action(async (options: TopicsOptions) => {
      const cli = await connectCliKafka();
      try {
        const existing = new Set(await cli.admin.listTopics());
        const catalogue = topicCatalogue();
        const { readings, skippedGroups } = await readTopicLag(cli.admin, catalogue.filter((entry) => existing.has(entry.topic)).map((entry) => entry.topic));
        const byTopic = new Map(readings.map((reading) => [reading.topic, reading]));
        const rows = catalogue
          .filter((entry) => options.all || existing.has(entry.topic))
          .map((entry) => ({ ...entry, exists: existing.has(entry.topic), ...(byTopic.get(entry.topic) ?? { partitions: 0, endOffsets: 0, records: 0, lag: [] }) }));
        if (options.json) return printJson(rows);
        const table = createPlainTable(['topic', 'kind', 'partitions', 'end offsets', 'lag per group']);
        for (const row of rows) {
          const lag = row.lag.length === 0 ? '-' : row.lag.map((entry) => `${entry.group}=${entry.lag}`).join(', ');
          table.push([row.topic, row.kind, row.exists ? String(row.partitions) : 'missing', String(row.endOffsets), lag]);
        }
        process.stdout.write(`${table.toString()}\n`);
        if (skippedGroups > 0) process.stdout.write(`mesh: ${skippedGroups} more consumer groups not read\n`);
      } finally {
        await cli.close();
      }
    });
}
