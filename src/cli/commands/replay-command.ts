import type { Command } from 'commander';
import { DEFAULT_REPLAY_FROM, DEFAULT_REPLAY_TO, replay, type ReplayPosition, type ReplaySummary } from '../../replay/index.js';
import { CliError } from '../cli-error.js';
import { connectCliKafka } from '../cli-kafka.js';
import { ensureCopyTopic } from '../ensure-copy-topic.js';
import { loadReplayHandler } from '../load-replay-handler.js';
import { parsePositiveNumber } from '../parse-positive-number.js';
import { parseReplayPosition } from '../parse-replay-position.js';
import { printJson } from '../print-json.js';
import { createProgressReporter } from '../progress-reporter.js';
import { requireTopic } from '../require-topic.js';
import { shutdownSignal } from '../shutdown-signal.js';

interface ReplayCommandOptions {
  topic: string;
  from: ReplayPosition;
  to: ReplayPosition;
  into?: string;
  handler?: string;
  dryRun?: boolean;
  rate?: number;
  keepTimestamp?: boolean;
  json?: boolean;
}

/**
 * registerReplayCommand adds `mesh replay`: read a window of a topic (by
 * offset or time; `from` inclusive, `to` exclusive) into another topic
 * (created with the source's partition count when new) or through a handler
 * module, with a progress bar. Live consumer groups are never moved.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay a window of a topic into another topic or a handler module (from inclusive, to exclusive)')
    .requiredOption('--topic <topic>', 'topic to read')
    .option('--from <position>', 'earliest | latest | offset (42) | offsets per partition (0:42,1:17) | ISO time', parseReplayPosition, DEFAULT_REPLAY_FROM)
    .option('--to <position>', 'same forms as --from; exclusive', parseReplayPosition, DEFAULT_REPLAY_TO)
    .option('--into <topic>', 'copy the records into this topic (created like the source when missing)')
    .option('--handler <module>', 'a module whose default export is an async function(record)')
    .option('--dry-run', 'read and count, write nothing, call no handler')
    .option('--rate <n>', 'records per second at most', parsePositiveNumber)
    .option('--keep-timestamp', 'give copies the original record timestamps')
    .option('--json', 'print the summary as JSON')
    .action(async (options: ReplayCommandOptions) => {
      if ((options.into === undefined) === (options.handler === undefined)) {
        throw new CliError('BAD_ARGUMENT', 'give exactly one of --into <topic> or --handler <module>');
      }
      const cli = await connectCliKafka();
      const controller = new AbortController();
      void shutdownSignal().then((signal) => controller.abort(new Error(`stopped by ${signal}`)));
      const progress = createProgressReporter({ label: options.dryRun ? 'replay (dry run)' : 'replay' });
      try {
        await requireTopic(cli.admin, options.topic);
        const common = {
          kafka: cli.kafka,
          topics: [options.topic],
          from: options.from,
          to: options.to,
          dryRun: options.dryRun ?? false,
          signal: controller.signal,
          onProgress: progress.update,
          ...(options.rate === undefined ? {} : { rateLimit: options.rate }),
        };
        let summary: ReplaySummary;
        let target = '';
        if (options.handler !== undefined) {
          const handler = await loadReplayHandler(options.handler);
          target = `handler ${options.handler}`;
          summary = await replay({ ...common, handler });
        } else if (options.dryRun) {
          // A dry run writes nothing, so it neither needs nor creates the target topic.
          target = `topic ${options.into}`;
          summary = await replay({ ...common, handler: async () => undefined });
        } else {
          const copy = await ensureCopyTopic(cli.admin, options.topic, options.into!);
          if (copy.created) process.stderr.write(`mesh: created topic ${options.into} with ${copy.partitions} partitions\n`);
          target = `topic ${options.into}`;
          summary = await replay({ ...common, into: { topic: options.into!, keepPartition: copy.keepPartition, keepTimestamp: options.keepTimestamp ?? false } });
        }
        progress.stop();
        if (options.json) {
          printJson(summary);
        } else {
          const verb = summary.dryRun ? 'would replay' : 'replayed';
          process.stdout.write(`mesh: ${verb} ${summary.records} records of ${options.topic} into ${target} in ${Math.round(summary.durationMs)} ms${summary.skipped > 0 ? ` (${summary.skipped} outside the time window)` : ''}\n`);
          for (const partition of summary.partitions) {
            if (partition.records === 0) continue;
            process.stdout.write(`  partition ${partition.partition}: offsets ${partition.firstOffset}..${partition.lastOffset} (${partition.records} records)\n`);
          }
        }
      } finally {
        progress.stop();
        await cli.close();
      }
    });
}
