import type { Command } from 'commander';
import { DEAD_LETTER_SUFFIX, deadLetterTopic } from '../../events/dead-letter-headers.js';
import { EventChannelCatalogue } from '../../events/index.js';
import { listDeadLetters, redriveDeadLetters, type DeadLetterTopicOptions } from '../../replay/index.js';
import { CliError } from '../cli-error.js';
import { connectCliKafka } from '../cli-kafka.js';
import { addDeadLetterFilterOptions, deadLetterFilter, type DeadLetterFilterOptions } from '../dead-letter-filter-options.js';
import { deadLetterView } from '../dead-letter-view.js';
import { createPlainTable } from '../plain-table.js';
import { printJson } from '../print-json.js';
import { createProgressReporter } from '../progress-reporter.js';
import { requireTopic } from '../require-topic.js';

/** DEFAULT_DLQ_LIST_LIMIT is how many dead letters `mesh dlq list` shows per topic. */
export const DEFAULT_DLQ_LIST_LIMIT = 100;

interface ListOptions extends DeadLetterFilterOptions {
  json?: boolean;
  limit: number;
}

interface RedriveOptions extends DeadLetterFilterOptions {
  json?: boolean;
  dryRun?: boolean;
}

function topicOptions(topic: string): DeadLetterTopicOptions {
  return topic.endsWith(DEAD_LETTER_SUFFIX) ? { dlqTopic: topic } : { topic };
}

/**
 * registerDlqCommand adds `mesh dlq list|show|redrive` over the events'
 * dead-letter topics (`<topic>.dlq`): list and filter dead letters, show one
 * in full (payload decoded when its event type is known), and send matching
 * ones back to their origin topic. Job queues have `mesh jobs`.
 */
export function registerDlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('dead letters of the event topics: list, show, redrive');

  addDeadLetterFilterOptions(
    dlq
      .command('list')
      .description('list dead letters of a topic (events.users or events.users.dlq), or of every event channel')
      .argument('[topic]', 'the topic or its .dlq; every event channel when omitted'),
  )
    .option('--limit <n>', 'at most this many per topic', (value) => Number.parseInt(value, 10), DEFAULT_DLQ_LIST_LIMIT)
    .option('--json', 'print JSON')
    .action(async (topic: string | undefined, options: ListOptions) => {
      const cli = await connectCliKafka();
      try {
        const topics = topic ? [topic] : EventChannelCatalogue.map((spec) => deadLetterTopic(spec.channel));
        const lists = [];
        for (const name of topics) {
          lists.push(await listDeadLetters({ ...topicOptions(name), kafka: cli.kafka, limit: options.limit, filter: deadLetterFilter(options) }));
        }
        const rows = lists.flatMap((list) => list.entries.map(deadLetterView));
        if (options.json) return printJson(rows);
        const table = createPlainTable(['dlq', 'record', 'type', 'key', 'error', 'failed at', 'redriven']);
        for (const row of rows) table.push([row.dlqTopic, row.record, row.type ?? '-', row.key ?? '-', `${row.errorCode ?? '-'}: ${row.errorMessage ?? ''}`.slice(0, 60), row.failedAt ?? '-', String(row.redriveCount)]);
        process.stdout.write(`${table.toString()}\n`);
        const total = lists.reduce((sum, list) => sum + list.total, 0);
        process.stdout.write(`mesh: ${total} dead letters${total > rows.length ? ` (${rows.length} shown)` : ''}\n`);
      } finally {
        await cli.close();
      }
    });

  dlq
    .command('show')
    .description('show one dead letter in full: headers, error, payload')
    .argument('<topic>', 'the topic or its .dlq')
    .argument('<record>', '<partition>:<offset> in the DLQ, as `mesh dlq list` prints it')
    .action(async (topic: string, record: string) => {
      const cli = await connectCliKafka();
      try {
        const list = await listDeadLetters({ ...topicOptions(topic), kafka: cli.kafka, limit: 1, filter: deadLetterFilter({ record: [record] }) });
        const entry = list.entries[0];
        if (!entry) throw new CliError('NOT_FOUND', `no dead letter ${record} in ${list.dlqTopic}; \`npm run mesh -- dlq list ${topic}\` lists them`);
        printJson(deadLetterView(entry));
      } finally {
        await cli.close();
      }
    });

  addDeadLetterFilterOptions(
    dlq
      .command('redrive')
      .description('send matching dead letters back to their origin topic (they stay in the DLQ; Kafka cannot delete single records)')
      .argument('<topic>', 'the topic or its .dlq'),
  )
    .option('--dry-run', 'list what would move, write nothing')
    .option('--json', 'print JSON')
    .action(async (topic: string, options: RedriveOptions) => {
      const cli = await connectCliKafka();
      const progress = createProgressReporter({ label: 'redrive' });
      try {
        const target = topicOptions(topic);
        await requireTopic(cli.admin, target.dlqTopic ?? deadLetterTopic(target.topic!));
        const result = await redriveDeadLetters({ ...target, kafka: cli.kafka, filter: deadLetterFilter(options), dryRun: options.dryRun ?? false, onProgress: progress.update });
        progress.stop();
        const moved = result.moved.map((item) => ({ ...deadLetterView(item.entry), to: item.offset === undefined ? undefined : `${item.entry.originTopic} ${item.partition}:${item.offset}` }));
        const unrestorable = result.unrestorable.map(deadLetterView);
        if (options.json) return printJson({ dlqTopic: result.dlqTopic, dryRun: result.dryRun, scanned: result.scanned, moved, unrestorable });
        for (const item of moved) process.stdout.write(`  ${item.record} ${item.type ?? '-'} key=${item.key ?? '-'} → ${item.to ?? `${item.originTopic} (dry run)`}\n`);
        for (const item of unrestorable) process.stdout.write(`  ${item.record} ${item.type ?? '-'} key=${item.key ?? '-'} kept: its value was cut to fit the DLQ\n`);
        process.stdout.write(`mesh: ${result.dryRun ? 'would redrive' : 'redrove'} ${moved.length} of ${result.scanned} dead letters of ${result.dlqTopic}${unrestorable.length > 0 ? `; ${unrestorable.length} kept (cut to fit the DLQ, cannot be restored)` : ''}\n`);
      } finally {
        progress.stop();
        await cli.close();
      }
    });
}
