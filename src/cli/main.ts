import { Command } from 'commander';
import { registerKafkaCommand } from './commands/kafka-command.js';
import { registerUpCommand } from './commands/up-command.js';
import { fail } from './fail.js';

const program = new Command('mesh').description('the service mesh toolkit: run, call, replay and inspect the mesh');
registerUpCommand(program);
registerKafkaCommand(program);

program.parseAsync(process.argv).catch(fail);
