import { createPlainTable } from './plain-table.js';
import type { StatusFrame } from './status-frame.js';

/**
 * renderStatusTable draws a StatusFrame as text: a title, the components
 * (health, calls in flight, their outgoing breakers, the CLI's breaker
 * towards them), consumer lag per group, then the sagas by status.
 */
export function renderStatusTable(frame: StatusFrame): string {
  const components = createPlainTable(['component', 'kind', 'pid', 'url', 'health', 'in-flight', 'breakers (out)', 'breaker (cli)']);
  for (const row of frame.components) {
    const health = row.detail && row.health !== 'SERVING' ? `${row.health} (${row.detail})` : row.health;
    components.push([row.name, row.kind, String(row.pid), row.url, health, row.inFlight, row.breakers, row.breaker]);
  }
  const parts = [frame.title, components.toString()];
  if (frame.lag !== undefined) parts.push(renderLag(frame.lag));
  if (frame.sagas !== undefined) parts.push(renderSagas(frame.sagas));
  return parts.join('\n');
}

function renderSagas(sagas: NonNullable<StatusFrame['sagas']>): string {
  if ('error' in sagas) return `sagas: unavailable (${sagas.error})`;
  const counts = Object.entries(sagas);
  if (counts.length === 0) return 'sagas: none yet';
  return `sagas: ${counts.map(([status, count]) => `${status} ${count}`).join(' · ')}`;
}

function renderLag(lag: NonNullable<StatusFrame['lag']>): string {
  if ('error' in lag) return `consumer lag: unavailable (${lag.error})`;
  if (lag.groups.length === 0) return 'consumer lag: no consumer group has committed on the event topics yet';
  const table = createPlainTable(['consumer group', 'topics', 'lag']);
  for (const group of lag.groups) table.push([group.group, group.topics.join(', '), String(group.lag)]);
  const more = lag.skipped > 0 ? `\n(${lag.skipped} more consumer groups not shown)` : '';
  return `${table.toString()}${more}`;
}
