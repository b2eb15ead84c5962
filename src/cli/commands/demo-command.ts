import type { Command } from 'commander';
import { connectCliKafka } from '../cli-kafka.js';
import { printJson } from '../print-json.js';
import { runDemo } from '../run-demo.js';

/**
 * registerDemoCommand adds `mesh demo`: drive a realistic flow through a
 * running mesh (sign-ups, a job, bids, an accepted bid, the contract saga,
 * notifications) and print its timeline and trace id.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('drive a realistic flow through a running mesh (npm start) and print the timeline and trace id')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const cli = await connectCliKafka();
      try {
        const print = options.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);
        const result = await runDemo({ kafka: cli.kafka, ...(print ? { print } : {}) });
        if (options.json) return printJson(result);
        process.stdout.write(`mesh: demo done: saga ${result.sagaId} ${result.sagaStatus}; trace id ${result.traceId}\n`);
        process.stdout.write(`mesh: \`npm run mesh -- sagas show ${result.sagaId}\` prints the saga's history\n`);
      } finally {
        await cli.close();
      }
    });
}
