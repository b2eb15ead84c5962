import { Command } from 'commander';
import { registerCallCommand } from './commands/call-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerDlqCommand } from './commands/dlq-command.js';
import { registerHealthCommand } from './commands/health-command.js';
import { registerJobsCommand } from './commands/jobs-command.js';
import { registerKafkaCommand } from './commands/kafka-command.js';
import { registerReplayCommand } from './commands/replay-command.js';
import { registerSagasCommand } from './commands/sagas-command.js';
import { registerTopicsCommand } from './commands/topics-command.js';
import { registerUpCommand } from './commands/up-command.js';
import { fail } from './fail.js';

const program = new Command('mesh').description('the service mesh toolkit: run, call, replay and inspect the mesh');
registerUpCommand(program);
registerHealthCommand(program);
registerKafkaCommand(program);
registerCallCommand(program);
registerTopicsCommand(program);
registerReplayCommand(program);
registerDlqCommand(program);
registerJobsCommand(program);
registerSagasCommand(program);
registerDemoCommand(program);

// A finished command exits at once: open HTTP/2 sessions or Kafka sockets
// must not keep a script waiting (`up` and `kafka` exit by themselves).
program
  .parseAsync(process.argv)
  .then(() => process.exit())
  .catch(fail);
