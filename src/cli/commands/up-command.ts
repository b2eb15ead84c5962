import type { Command } from 'commander';
import { ensureKafka } from '../../kafka/ensure-kafka.js';
import { shutdownSignal } from '../shutdown-signal.js';

/** registerUpCommand adds `mesh up` (= `npm start`): bring the mesh up and keep it up until Ctrl-C. */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start (or reuse) Kafka and the mesh, and keep them running until Ctrl-C')
    .action(async () => {
      const broker = await ensureKafka();
      process.stdout.write(`mesh: Kafka ${broker.reused ? 'reused' : 'started'} at ${broker.brokers.join(',')} (${broker.startupMs} ms)\n`);
      process.stdout.write('mesh: up; Ctrl-C stops everything\n');
      await shutdownSignal();
      process.stdout.write('mesh: shutting down...\n');
      await broker.stop();
      process.stdout.write('mesh: stopped\n');
    });
}
