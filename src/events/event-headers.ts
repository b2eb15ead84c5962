import type { IHeaders } from 'kafkajs';

// ignoreBOM keeps a leading BOM in the text, as Buffer#toString does; on short
// header values this decoder is faster than Buffer#toString.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * readHeaders turns kafkajs record headers into one string per lowercase
 * name, tolerant of what other producers write: values may be Buffers or
 * strings, a repeated header keeps its last value, and bytes are read as UTF-8
 * (the CloudEvents Kafka binding says header values are UTF-8 strings).
 */
export function readHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  // Object.keys and indexing, not Object.entries: this runs for every consumed record.
  for (const name of Object.keys(headers)) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    result[name.toLowerCase()] = typeof value === 'string' ? value : Buffer.isBuffer(value) ? utf8.decode(value) : String(value);
  }
  return result;
}

const httpSpellings = new Map<string, string>();

// The HTTP binding's spelling of a Kafka header name, computed once per name.
function httpSpelling(name: string): string {
  let spelling = httpSpellings.get(name);
  if (spelling === undefined) {
    spelling = name.replace(/^ce_/, 'ce-');
    httpSpellings.set(name, spelling);
  }
  return spelling;
}

/**
 * cloudEventAttribute reads a CloudEvents attribute by its Kafka header name
 * (`ce_type`), falling back to the HTTP binding's spelling (`ce-type`) that
 * some tools write to Kafka by mistake; surrounding whitespace is dropped.
 */
export function cloudEventAttribute(headers: Record<string, string>, name: string): string | undefined {
  const value = headers[name] ?? headers[httpSpelling(name)];
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
