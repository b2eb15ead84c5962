import type { Command } from 'commander';
import { createContractSaga, createSagaOrchestrator, DEFAULT_SAGA_TOPICS, readSagaHistory, readSagaStates, sagaPartition } from '../../saga/index.js';
import { CliError } from '../cli-error.js';
import { connectCliKafka } from '../cli-kafka.js';
import { createPlainTable } from '../plain-table.js';
import { printJson } from '../print-json.js';
import { parseSagaStatus, sagaHistoryRow, sagaRow, sagaStepStatusName } from '../saga-views.js';

interface TopicOptions {
  stateTopic: string;
  historyTopic: string;
}

interface ListOptions extends TopicOptions {
  status?: string;
  name?: string;
  json?: boolean;
}

/**
 * registerSagasCommand adds `mesh sagas list|show|resume` over the saga log
 * (DEFAULT_SAGA_TOPICS): list snapshots, print one saga's history, and drive
 * a FAILED saga's compensation again.
 */
export function registerSagasCommand(program: Command): void {
  const sagas = program.command('sagas').description('sagas from the saga log: list, show (with history), resume');

  sagas
    .command('list')
    .description('list sagas, newest first')
    .option('--status <status>', 'only this status: running, completed, compensating, compensated, failed')
    .option('--name <name>', 'only this saga definition, e.g. create-contract')
    .option('--state-topic <topic>', 'the saga log state topic', DEFAULT_SAGA_TOPICS.state)
    .option('--json', 'print JSON')
    .action(async (options: ListOptions) => {
      const status = options.status === undefined ? undefined : parseSagaStatus(options.status);
      if (options.status !== undefined && status === undefined) throw new CliError('BAD_ARGUMENT', `unknown saga status ${JSON.stringify(options.status)}; use running, completed, compensating, compensated or failed`);
      const cli = await connectCliKafka();
      try {
        if (!(await cli.admin.listTopics()).includes(options.stateTopic)) return void (options.json ? printJson([]) : process.stdout.write('mesh: no saga log yet (no saga has run)\n'));
        const stored = await readSagaStates({ kafka: cli.kafka, topic: options.stateTopic });
        const rows = [...stored.values()]
          .map(({ saga }) => saga)
          .filter((saga) => (status === undefined || saga.status === status) && (options.name === undefined || saga.name === options.name))
          .map(sagaRow)
          .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
        if (options.json) return printJson(rows);
        const table = createPlainTable(['saga', 'name', 'status', 'step', 'started', 'error']);
        for (const row of rows) table.push([row.sagaId, `${row.name} v${row.version}`, row.status, row.step, row.startedAt ?? '-', row.error.slice(0, 50)]);
        process.stdout.write(`${table.toString()}\nmesh: ${rows.length} sagas\n`);
      } finally {
        await cli.close();
      }
    });

  sagas
    .command('show')
    .description("print a saga's snapshot and its history from the saga log")
    .argument('<sagaId>')
    .option('--state-topic <topic>', 'the saga log state topic', DEFAULT_SAGA_TOPICS.state)
    .option('--history-topic <topic>', 'the saga log history topic', DEFAULT_SAGA_TOPICS.history)
    .option('--json', 'print JSON')
    .action(async (sagaId: string, options: TopicOptions & { json?: boolean }) => {
      const cli = await connectCliKafka();
      try {
        if (!(await cli.admin.listTopics()).includes(options.stateTopic)) throw new CliError('NOT_FOUND', `saga ${sagaId} not found: there is no saga log yet`);
        const [metadata] = (await cli.admin.fetchTopicMetadata({ topics: [options.stateTopic] })).topics;
        const partitions = [sagaPartition(sagaId, metadata!.partitions.length)];
        const stored = (await readSagaStates({ kafka: cli.kafka, topic: options.stateTopic, partitions })).get(sagaId);
        if (!stored) throw new CliError('NOT_FOUND', `saga ${sagaId} not found; \`npm run mesh -- sagas list\` lists the sagas`);
        const history = (await readSagaHistory({ kafka: cli.kafka, topic: options.historyTopic, partitions, sagaId })).map(sagaHistoryRow);
        const saga = sagaRow(stored.saga);
        if (options.json) return printJson({ saga, steps: stored.saga.steps.map((step) => ({ name: step.name, status: sagaStepStatusName(step.status), attempts: step.attempts })), history });
        process.stdout.write(`saga ${saga.sagaId} · ${saga.name} v${saga.version} · ${saga.status}${saga.error ? ` · ${saga.error}` : ''}\n`);
        const table = createPlainTable(['#', 'at', 'transition', 'step', 'attempt', 'error']);
        for (const row of history) table.push([row.sequence, row.at ?? '-', row.kind, row.step || '-', row.attempt ? String(row.attempt) : '-', row.error.slice(0, 60)]);
        process.stdout.write(`${table.toString()}\n`);
      } finally {
        await cli.close();
      }
    });

  sagas
    .command('resume')
    .description("drive a FAILED saga's compensation again, as a member of the coordinators' group")
    .argument('<sagaId>')
    .option('--json', 'print JSON')
    .action(async (sagaId: string, options: { json?: boolean }) => {
      const cli = await connectCliKafka();
      await cli.close();
      const orchestrator = createSagaOrchestrator({ kafka: cli.kafka, onError: (error) => process.stderr.write(`mesh: saga coordinator: ${(error as Error).message}\n`) });
      orchestrator.register(createContractSaga());
      try {
        await orchestrator.start();
        const partition = sagaPartition(sagaId, orchestrator.partitionCount());
        if (!orchestrator.partitions().includes(partition)) {
          throw new CliError('BAD_ARGUMENT', `saga ${sagaId} belongs to saga-log partition ${partition}, which a running coordinator owns; resume it there, or stop \`npm start\` and run this again`);
        }
        const result = await orchestrator.resume(sagaId);
        if (options.json) return printJson(result);
        process.stdout.write(`mesh: saga ${sagaId} ${result.status}${result.error ? `: ${String(result.error)}` : ''}\n`);
      } finally {
        await orchestrator.stop();
      }
    });
}
