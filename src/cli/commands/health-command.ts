import type { Command } from 'commander';
import { serviceUrls } from '../../rpc/client/index.js';
import { SERVICE_NAMES, ServiceCatalog } from '../../services/service-catalog.js';
import { parseMilliseconds } from '../parse-milliseconds.js';
import { createPlainTable } from '../plain-table.js';
import { createHealthProbe, DEFAULT_HEALTH_TIMEOUT_MS, type HealthState } from '../health-probe.js';

/** HealthRow is the health of one endpoint of one service, as `mesh health --json` prints it. */
export interface HealthRow {
  service: string;
  url: string;
  status: HealthState;
  detail?: string;
}

/**
 * registerHealthCommand adds `mesh health`: a grpc.health.v1 Check of every
 * endpoint of every service (URLs from *_SERVICE_URL, else the defaults);
 * exit code 1 unless all are SERVING.
 */
export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description('check grpc.health.v1 of every service (URLs from *_SERVICE_URL); exits 1 unless all are SERVING')
    .option('--json', 'print JSON instead of a table')
    .option('--timeout <ms>', 'timeout of each check in ms', parseMilliseconds, DEFAULT_HEALTH_TIMEOUT_MS)
    .action(async (options: { json?: boolean; timeout: number }) => {
      const rows = await checkAll(options.timeout);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        const table = createPlainTable(['service', 'url', 'health']);
        for (const row of rows) table.push([row.service, row.url, row.detail ? `${row.status} (${row.detail})` : row.status]);
        process.stdout.write(`${table.toString()}\n`);
      }
      const unhealthy = rows.filter((row) => row.status !== 'SERVING');
      if (unhealthy.length > 0) {
        process.stderr.write(`mesh: not SERVING: ${unhealthy.map((row) => `${row.service} (${row.status})`).join(', ')}; start the mesh with \`npm start\`\n`);
        process.exitCode = 1;
      }
    });
}

async function checkAll(timeoutMs: number): Promise<HealthRow[]> {
  const targets = SERVICE_NAMES.flatMap((name) => serviceUrls(name).map((url) => ({ name, url })));
  return Promise.all(
    targets.map(async ({ name, url }) => {
      const probe = createHealthProbe({ url, service: ServiceCatalog[name].service.typeName, timeoutMs });
      try {
        const report = await probe.check();
        return { service: name, url, status: report.state, ...(report.detail ? { detail: report.detail } : {}) };
      } finally {
        probe.close();
      }
    }),
  );
}
