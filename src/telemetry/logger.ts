import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { getContext } from '../context/index.js';
import { exportLogLine } from './log-export.js';

/** DEFAULT_LOG_LEVEL is the level of loggers that name none and run without LOG_LEVEL. */
export const DEFAULT_LOG_LEVEL = 'info';
/** LOG_LEVEL_ENV names the variable that sets the level of every logger. */
export const LOG_LEVEL_ENV = 'LOG_LEVEL';
/** REDACTED is what a secret is replaced with. */
export const REDACTED = '[REDACTED]';

const SECRET_KEYS = [
  'authorization',
  'authToken',
  'token',
  'accessToken',
  'refreshToken',
  'serviceToken',
  'x-service-token',
  'password',
  'passphrase',
  'privateKey',
  'secret',
  'apiKey',
  'cookie',
  'set-cookie',
];

/**
 * DEFAULT_REDACT_PATHS are the fields a logger hides: secrets (end-user and
 * service tokens, passwords, private keys) at the top of a line, one level
 * down (`req.authorization`, `sasl.password`) and in headers objects.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = Object.freeze([
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.headers.${key}`),
  ...SECRET_KEYS.map((key) => `*.header.${key}`),
]);

/** LoggerFactoryOptions configure createLogger. */
export interface LoggerFactoryOptions {
  /** name of the component, written as `name` on every line. */
  name: string;
  /**
   * level is the least severe level written.
   * @defaultValue process.env.LOG_LEVEL, else DEFAULT_LOG_LEVEL ('info')
   */
  level?: string;
  /**
   * redact lists extra paths to hide, on top of DEFAULT_REDACT_PATHS.
   * @defaultValue []
   */
  redact?: readonly string[];
  /**
   * destination receives the JSON lines.
   * @defaultValue standard output
   */
  destination?: DestinationStream;
}

/**
 * createLogger returns a pino logger that writes one JSON object per line
 * and adds `trace_id`, `span_id` and `correlation_id` of the current request
 * context (which follows the active OpenTelemetry span) to every line, so
 * logs join traces; secrets (authorization, tokens, passwords) are redacted.
 * While startTelemetry exports, each line is also sent as an OTLP log record.
 */
export function createLogger(options: LoggerFactoryOptions): Logger {
  const config: LoggerOptions = {
    name: options.name,
    level: options.level ?? process.env[LOG_LEVEL_ENV] ?? DEFAULT_LOG_LEVEL,
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
    // The line is final here (redacted, with the trace fields): a copy goes to OTLP when telemetry exports logs.
    hooks: { streamWrite: copyToOtlp },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

function copyToOtlp(line: string): string {
  exportLogLine(line);
  return line;
}

function traceFields(): Record<string, string> {
  const context = getContext();
  if (!context) return {};
  return context.spanId
    ? { trace_id: context.traceId, span_id: context.spanId, correlation_id: context.correlationId }
    : { trace_id: context.traceId, correlation_id: context.correlationId };
}

/** logger is the toolkit's shared logger (`name: 'mesh'`); components make children with `logger.child({ component })`. */
export const logger: Logger = createLogger({ name: 'mesh' });
