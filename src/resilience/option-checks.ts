// Option validation shared by the resilience primitives. Bad options are
// programming errors, so they fail loudly at construction time instead of
// producing a breaker or budget that silently never trips.

/** assertInteger throws a RangeError unless `value` is an integer ≥ `min`. */
export function assertInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** assertNumber throws a RangeError unless `value` is a finite number within [min, max]. */
export function assertNumber(name: string, value: number, min: number, max = Number.POSITIVE_INFINITY): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `within [${min}, ${max}]`;
    throw new RangeError(`${name} must be a finite number ${range}, got ${value}`);
  }
}

/**
 * withoutUndefined drops properties set to `undefined`, because
 * `{ ...defaults, ...options }` would otherwise let them override a default.
 */
export function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
