/** printJson writes `value` to stdout as indented JSON; bigints become decimal strings and Buffers UTF-8 text, as JSON cannot carry them. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** jsonReplacer is the JSON.stringify replacer of the CLI's output: bigint → string, Buffer → UTF-8 text. */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // Buffer.toJSON runs before the replacer sees it; read the original from the holder.
  const original = (this as Record<string, unknown> | undefined)?.[key];
  if (Buffer.isBuffer(original)) return original.toString('utf8');
  return value;
}
