import type { logCreator, LogEntry } from 'kafkajs';

/** REDACTED_SECRET replaces a secret in a kafkajs log line. */
export const REDACTED_SECRET = '[REDACTED]';

/**
 * isRetriedAttemptLine tells a kafkajs line that reports one failed attempt
 * of a request kafkajs retries on its own, and whose final failure reaches
 * the caller as an error, logged by the layer above:
 * - per-response errors of the Connection namespace;
 * - the Producer's per-attempt lines (they carry `retryCount`). kafkajs logs
 *   each at ERROR before it retries, e.g. a transactional Produce answered
 *   CONCURRENT_TRANSACTIONS while the coordinator still completes the
 *   previous commit, which the next attempt then passes.
 */
export function isRetriedAttemptLine(namespace: string, log: LogEntry['log']): boolean {
  if (namespace === 'Connection') return true;
  return namespace === 'Producer' && typeof (log as { retryCount?: unknown }).retryCount === 'number';
}

/**
 * stderrLogCreator routes kafkajs's lines to stderr as JSON, so they never
 * interleave with a CLI's stdout, without the retried attempts'
 * (isRetriedAttemptLine). kafkajs does not log credentials today; `secrets`
 * are scrubbed anyway, so a future debug line cannot leak them.
 */
export function stderrLogCreator(secrets: readonly string[]): logCreator {
  const forms = secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]).filter((form) => form.length > 0);
  return () => ({ namespace, level, label, log }) => {
    if (isRetriedAttemptLine(namespace, log)) return;
    const { message, ...extra } = log;
    let line = JSON.stringify({ level: label, namespace, message, ...extra, levelNumber: level });
    for (const form of forms) line = line.replaceAll(form, REDACTED_SECRET);
    process.stderr.write(`${line}\n`);
  };
}
