/**
 * channelPattern turns a subscribePattern argument into a RegExp over channel
 * names: a RegExp is used as is; a string is a glob where `*` matches any run
 * of characters (`events.jobs*` matches `events.jobs` and `events.jobs.v2`).
 */
export function channelPattern(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}
