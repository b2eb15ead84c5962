import type { Command } from 'commander';
import { ensureKafka } from '../../kafka/ensure-kafka.js';
import { shutdownSignal } from '../shutdown-signal.js';

/** registerKafkaCommand adds `mesh kafka`: run only the local broker until Ctrl-C. */
export function registerKafkaCommand(program: Command): void {
  program
    .command('kafka')
    .description('start (or reuse) the local Kafka broker and keep it running until Ctrl-C')
    .option('--port <port>', 'client port of the local broker', (value) => Number(value), 9092)
    .option('--ephemeral', 'use a throw-away data directory')
    .action(async ({ port, ephemeral }: { port: number; ephemeral?: boolean }) => {
      const broker = await ensureKafka({ port, ephemeral });
      const how = broker.reused ? 'reusing the broker already running at' : `started Kafka (pid ${broker.pid}) at`;
      process.stdout.write(`mesh: ${how} ${broker.brokers.join(',')} in ${broker.startupMs} ms\n`);
      if (broker.logFile) process.stdout.write(`mesh: broker log ${broker.logFile}\n`);
      if (broker.reused) return;
      process.stdout.write('mesh: Ctrl-C stops it\n');
      await shutdownSignal();
      process.stdout.write('mesh: stopping Kafka...\n');
      await broker.stop();
      process.stdout.write('mesh: Kafka stopped\n');
    });
}
