import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

/** Clock tells the services what time it is; tests pass a fixed or stepping one. */
export type Clock = () => Date;

/** systemClock is the wall clock. */
export const systemClock: Clock = () => new Date();

/** nowTimestamp reads a clock as a protobuf Timestamp. */
export function nowTimestamp(clock: Clock): Timestamp {
  return timestampFromDate(clock());
}
