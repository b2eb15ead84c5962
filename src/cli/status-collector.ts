import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { createBackgroundReading } from './background-reading.js';
import { readConsumerLag } from './consumer-lag.js';
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
  /** settled resolves when no background reading is in progress any more. */
  settled(): Promise<void>;
}

/**
 * createStatusCollector asks every component for its status on each collect.
 * Consumer lag and saga counts are background readings (createBackgroundReading):
 * each frame shows the latest finished one, so a slow broker never holds up
 * the health columns.
 */
export function createStatusCollector(options: StatusCollectorOptions): StatusCollector {
  const { admin } = options;
  const lag = admin ? createBackgroundReading(() => readConsumerLag(admin, options.lagTopics ?? [])) : undefined;
  const sagas = options.countSagas ? createBackgroundReading(options.countSagas, SAGA_COUNT_INTERVAL_MS) : undefined;

  return {
    async collect() {
      lag?.refresh();
      sagas?.refresh();
      // The first frame waits (a little) for a real reading rather than show an empty one.
      const firstLag = lag?.latest() === undefined ? lag?.inFlight() : undefined;
      if (firstLag) await Promise.race([firstLag, sleep(FIRST_LAG_WAIT_MS, undefined, { ref: false })]);
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
        lag: lag ? (lag.latest() ?? { error: 'still reading' }) : undefined,
        sagas: sagas ? (sagas.latest() ?? { error: 'still reading' }) : undefined,
      };
    },
    settled: async () => void (await Promise.all([lag?.inFlight(), sagas?.inFlight()])),
  };
}
