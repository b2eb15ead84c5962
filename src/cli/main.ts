import { Command } from 'commander';
import { registerHealthCommand } from './commands/health-command.js';
import { registerKafkaCommand } from './commands/kafka-command.js';
import { registerUpCommand } from './commands/up-command.js';
import { fail } from './fail.js';

const program = new Command('mesh').description('the service mesh toolkit: run, call, replay and inspect the mesh');
registerUpCommand(program);
registerHealthCommand(program);
registerKafkaCommand(program);

program.parseAsync(process.argv).catch(fail);
