import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { readConsumerLag, type ConsumerLagReading } from './consumer-lag.js';
import type { RunningComponent } from './mesh-component.js';
import type { SagaCounts, StatusFrame } from './status-frame.js';

/** FIRST_LAG_WAIT_MS is how long the first frame waits for the first consumer-lag reading. */
export const FIRST_LAG_WAIT_MS = 3_000;
/** SAGA_COUNT_INTERVAL_MS spaces the saga counts: each reads the whole compacted saga state topic. */
export const SAGA_COUNT_INTERVAL_MS = 10_000;

/** StatusCollectorOptions configure createStatusCollector. */
export interface StatusCollectorOptions {
  components: readonly RunningComponent[];
  /** admin reads consumer lag; without it the frame has no lag section. */
  admin?: Admin;
  /** lagTopics are the topics whose consumer groups are shown. */
  lagTopics?: readonly string[];
  /** countSagas counts the saga log by status; without it the frame has no saga line. */
  countSagas?: () => Promise<SagaCounts>;
  /** title returns the line above the tables. */
  title(): string;
}

/** StatusCollector builds StatusFrames for the live table. */
export interface StatusCollector {
  collect(): Promise<StatusFrame>;
  /** settled resolves when no lag reading is in progress any more. */
  settled(): Promise<void>;
}

/**
 * createStatusCollector asks every component for its status on each collect.
 * Consumer lag is read in the background, one reading at a time, and each
 * frame shows the latest finished one, so a slow broker never holds up the
 * health columns.
 */
export function createStatusCollector(options: StatusCollectorOptions): StatusCollector {
  let lag: ConsumerLagReading | { error: string } | undefined;
  let reading: Promise<void> | undefined;
  let sagas: SagaCounts | { error: string } | undefined;
  let counting: Promise<void> | undefined;
  let lastCount = -Infinity;

  const refreshSagas = () => {
    if (!options.countSagas || counting || Date.now() - lastCount < SAGA_COUNT_INTERVAL_MS) return;
    lastCount = Date.now();
    counting = options
      .countSagas()
      .then(
        (result) => void (sagas = result),
        (error: unknown) => void (sagas = { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => (counting = undefined));
  };

  const refreshLag = () => {
    if (!options.admin || reading) return;
    reading = readConsumerLag(options.admin, options.lagTopics ?? [])
      .then(
        (result) => void (lag = result),
        (error: unknown) => void (lag = { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => (reading = undefined));
  };

  return {
    async collect() {
      refreshLag();
      refreshSagas();
      // The first frame waits (a little) for a real reading rather than show an empty one.
      if (lag === undefined && reading) await Promise.race([reading, sleep(FIRST_LAG_WAIT_MS, undefined, { ref: false })]);
      const components = await Promise.all(
        options.components.map(async (component) => {
          const status = await component.status();
          return {
            name: component.name,
            kind: component.kind,
            pid: component.pid,
            url: component.url ?? '-',
            health: status.health,
            breaker: status.breaker ?? '-',
            inFlight: status.inFlight === undefined ? '-' : String(status.inFlight),
            breakers: status.breakers ?? '-',
            detail: status.detail,
          };
        }),
      );
      return {
        title: options.title(),
        components,
        lag: options.admin ? (lag ?? { error: 'still reading' }) : undefined,
        sagas: options.countSagas ? (sagas ?? { error: 'still reading' }) : undefined,
      };
    },
    settled: async () => void (await Promise.all([reading, counting])),
  };
}
