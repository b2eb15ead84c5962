import type { IHeaders } from 'kafkajs';

/**
 * readHeaders turns kafkajs record headers into one string per lowercase
 * name, tolerant of what other producers write: values may be Buffers or
 * strings, a repeated header keeps its last value, and bytes are read as UTF-8
 * (the CloudEvents Kafka binding says header values are UTF-8 strings).
 */
export function readHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    result[name.toLowerCase()] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return result;
}

/**
 * cloudEventAttribute reads a CloudEvents attribute by its Kafka header name
 * (`ce_type`), falling back to the HTTP binding's spelling (`ce-type`) that
 * some tools write to Kafka by mistake; surrounding whitespace is dropped.
 */
export function cloudEventAttribute(headers: Record<string, string>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.replace(/^ce_/, 'ce-')];
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
