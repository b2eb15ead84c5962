import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { metrics, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { isTelemetryEnabled, startTelemetry } from '../../src/telemetry/index.js';

// Each test file runs in a process of its own, so these globals start empty.
describe('isTelemetryEnabled', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
    propagation.disable();
  });

  test('says no while nothing is registered with the OpenTelemetry API', () => {
    assert.equal(isTelemetryEnabled(), false);
  });

  test('says yes for a tracer provider, a meter provider or a propagator alone', () => {
    assert.equal(trace.setGlobalTracerProvider(new TracerProvider()), true);
    assert.equal(isTelemetryEnabled(), true);
    trace.disable();
    assert.equal(isTelemetryEnabled(), false);

    assert.equal(metrics.setGlobalMeterProvider(new MeterProvider()), true);
    assert.equal(isTelemetryEnabled(), true);
    metrics.disable();
    assert.equal(isTelemetryEnabled(), false);

    assert.equal(propagation.setGlobalPropagator(new W3CTraceContextPropagator()), true);
    assert.equal(isTelemetryEnabled(), true);
  });

  test('says yes once startTelemetry ran, and no after its shutdown', async () => {
    const telemetry = startTelemetry({ serviceName: 'telemetry-enabled', otlpEndpoint: '' });
    assert.equal(isTelemetryEnabled(), true);
    await telemetry.shutdown();
    trace.disable();
    metrics.disable();
    propagation.disable();
    assert.equal(isTelemetryEnabled(), false);
  });
});
