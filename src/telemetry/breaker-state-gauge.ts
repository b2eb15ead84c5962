import type { ObservableGauge } from '@opentelemetry/api';
import type { CircuitBreakerState, Disposable } from '../resilience/index.js';
import { meshMetrics, MetricNames } from './mesh-metrics.js';
import { MeshAttributes } from './semantic-attributes.js';

/** BreakerStateValue maps a breaker state to the gauge's value: 0 closed, 1 half-open, 2 open. */
export const BreakerStateValue = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

/** BreakerSource is what observeBreakerStates reads: a BreakerRegistry or a MeshClient both fit. */
export interface BreakerSource {
  breakers(): ReadonlyMap<string, { readonly state: CircuitBreakerState; readonly name?: string }>;
}

let gauge: { meter: unknown; instrument: ObservableGauge; sources: Set<BreakerSource> } | undefined;

/**
 * observeBreakerStates reports the state of every breaker of `source` on the
 * `mesh.breaker.state` gauge (0 closed, 1 half-open, 2 open), one series per
 * endpoint, each time metrics are collected. Dispose the result to stop.
 */
export function observeBreakerStates(source: BreakerSource): Disposable {
  const { meter } = meshMetrics();
  if (gauge?.meter !== meter) {
    const sources = new Set<BreakerSource>();
    const instrument = meter.createObservableGauge(MetricNames.BREAKER_STATE, {
      description: 'Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open',
    });
    instrument.addCallback((result) => {
      for (const observed of sources) {
        for (const [endpoint, breaker] of observed.breakers()) {
          result.observe(BreakerStateValue[breaker.state.state], {
            [MeshAttributes.BREAKER_ENDPOINT]: endpoint,
            ...(breaker.name ? { [MeshAttributes.BREAKER_NAME]: breaker.name } : {}),
          });
        }
      }
    });
    gauge = { meter, instrument, sources };
  }
  const { sources } = gauge;
  sources.add(source);
  return { dispose: () => void sources.delete(source) };
}
