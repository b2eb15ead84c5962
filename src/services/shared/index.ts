export { systemClock, nowTimestamp, type Clock } from './clock.js';
export { EffectCounters } from './effect-counters.js';
export { FULL_REPLACEMENT_PATH, applyFieldMask } from './field-mask.js';
export {
  createInMemoryEventPublisher,
  type InMemoryEventPublisher,
  type InMemoryEventPublisherOptions,
  type RecordedEvent,
} from './in-memory-event-publisher.js';
export {
  CurrencyMismatchError,
  DEFAULT_MINOR_UNIT_DIGITS,
  MINOR_UNIT_DIGITS,
  NANOS_PER_UNIT,
  addMoney,
  compareMoney,
  formatMoney,
  fromMinor,
  isPositiveMoney,
  minorUnitDigits,
  money,
  moneyFromNanos,
  multiplyMoney,
  roundMoney,
  subtractMoney,
  sumMoney,
  toMinor,
  totalNanos,
  zeroMoney,
} from './money.js';
export { createServicePublisher } from './service-publisher.js';
export { requireCurrency, requireMoney } from './money-arguments.js';
export { Mutex } from './mutex.js';
export { newId } from './new-id.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodePageToken,
  encodePageToken,
  paginate,
  requestFingerprint,
  type Page,
  type PageRequest,
  type PaginateOptions,
} from './page-token.js';
export type { ServiceDependencies } from './service-dependencies.js';
export { ErrorReasons, alreadyExists, failedPrecondition, invalidArgument, mustFind, notFound, requireField, type ErrorReason } from './service-errors.js';
