import type { Command } from 'commander';
import { createQueueManager, QueueNames, type QueueName } from '../../jobs/index.js';
import { CliError } from '../cli-error.js';
import { connectCliKafka } from '../cli-kafka.js';
import { createPlainTable } from '../plain-table.js';
import { printJson } from '../print-json.js';

const QUEUES = Object.values(QueueNames) as QueueName[];

/** parseQueueName reads a queue by its value (`email-queue`) or constant name (`EMAIL_QUEUE`). */
export function parseQueueName(value: string): QueueName {
  const byConstant = (QueueNames as Record<string, QueueName>)[value.toUpperCase().replace(/-/g, '_')];
  const queue = QUEUES.find((name) => name === value) ?? byConstant;
  if (!queue) throw new CliError('BAD_ARGUMENT', `unknown queue ${JSON.stringify(value)}; the queues are ${QUEUES.join(', ')}`);
  return queue;
}

/**
 * registerJobsCommand adds `mesh jobs [queue...]` (counts per queue: waiting,
 * delayed, failed, and the failed jobs) and `mesh jobs retry|remove <queue> <id>`
 * for dead-lettered jobs.
 */
export function registerJobsCommand(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('job queues: counts (waiting, delayed, failed) and failed jobs; retry or remove a failed job')
    .argument('[queues...]', 'queues to show (default: all)')
    .option('--failed', 'also list the failed (dead-lettered) jobs')
    .option('--json', 'print JSON')
    .action(async (names: string[], options: { json?: boolean; failed?: boolean }) => {
      const queues = names.length > 0 ? names.map(parseQueueName) : QUEUES;
      const cli = await connectCliKafka();
      const manager = createQueueManager({ kafka: cli.kafka });
      try {
        const rows = [];
        for (const queue of queues) {
          const counts = await manager.getJobCounts(queue);
          const failed = options.failed ? (await manager.listDeadLetters(queue)).map((job) => ({ jobId: job.jobId, name: job.name, errorCode: job.errorCode, errorMessage: job.errorMessage, attempts: job.attempts, failedAt: job.failedAt.toISOString(), ...(job.unreadable ? { unreadable: job.unreadable } : {}) })) : undefined;
          rows.push({ queue, waiting: counts.waiting, delayed: counts.delayed, failed: counts.failed, ...(failed ? { failedJobs: failed } : {}) });
        }
        if (options.json) return printJson(rows);
        const table = createPlainTable(['queue', 'waiting', 'delayed', 'failed']);
        for (const row of rows) table.push([row.queue, String(row.waiting), String(row.delayed), String(row.failed)]);
        process.stdout.write(`${table.toString()}\n`);
        for (const row of rows) for (const job of row.failedJobs ?? []) process.stdout.write(`  ${row.queue} ${job.jobId} ${job.name}: ${job.errorCode} ${job.errorMessage} (${job.attempts} attempts, ${job.failedAt})\n`);
      } finally {
        await manager.close();
        await cli.close();
      }
    });

  for (const [verb, description] of [
    ['retry', 'put a failed job back on its queue with fresh attempts'],
    ['remove', 'delete a failed job from the dead-letter topic'],
  ] as const) {
    jobs
      .command(verb)
      .description(description)
      .argument('<queue>')
      .argument('<jobId>')
      .action(async (queueName: string, jobId: string) => {
        const queue = parseQueueName(queueName);
        const cli = await connectCliKafka();
        const manager = createQueueManager({ kafka: cli.kafka });
        try {
          if (verb === 'retry') await manager.retryDeadLetter(queue, jobId);
          else await manager.removeDeadLetter(queue, jobId);
          process.stdout.write(`mesh: ${verb === 'retry' ? 'retried' : 'removed'} job ${jobId} of ${queue}\n`);
        } finally {
          await manager.close();
          await cli.close();
        }
      });
  }
}
