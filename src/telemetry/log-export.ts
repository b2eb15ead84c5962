import { context, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION } from './telemetry-scope.js';

const SEVERITY: Readonly<Record<string, SeverityNumber>> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

let enabled = false;

/** setLogExport turns the copy of log lines to OpenTelemetry logs on or off; startTelemetry calls it. */
export function setLogExport(on: boolean): void {
  enabled = on;
}

/**
 * exportLogLine copies one JSON log line (already redacted) to the global
 * OpenTelemetry LoggerProvider, in the trace of the active span or, failing
 * that, of the line's `trace_id`/`span_id`. It does nothing (and parses
 * nothing) unless telemetry exports logs.
 */
export function exportLogLine(line: string): void {
  if (!enabled) return;
  const { level, time, msg, trace_id, span_id, ...attributes } = JSON.parse(line) as Record<string, unknown>;
  logs.getLogger(TELEMETRY_SCOPE, TELEMETRY_SCOPE_VERSION).emit({
    severityNumber: SEVERITY[String(level)] ?? SeverityNumber.UNSPECIFIED,
    severityText: String(level),
    body: typeof msg === 'string' ? msg : '',
    ...(typeof time === 'string' ? { timestamp: Date.parse(time) } : {}),
    attributes: attributes as AnyValueMap,
    context: logContext(trace_id, span_id),
  });
}

function logContext(traceId: unknown, spanId: unknown): Context {
  const active = context.active();
  const span = trace.getSpanContext(active);
  if (span && isSpanContextValid(span)) return active;
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
}
