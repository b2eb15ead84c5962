import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type { IHeaders } from 'kafkajs';
import { JobLifecycleEventSchema, type JobLifecycleEvent } from '../../gen/mesh/v1/job_pb.js';
import { JobError } from './job-error.js';
import { headerText } from './job-headers.js';

/**
 * LifecycleHeaders name the headers of a record of the lifecycle topic.
 * A record holds one mesh.v1.JobLifecycleEvent, or, with the ENCODING header
 * set to LIFECYCLE_DELIMITED_ENCODING, several of them size-delimited (each
 * prefixed by its length as a varint: protobuf's writeDelimitedTo format).
 */
export const LifecycleHeaders = {
  /** The queue of the record's events (one queue per record). */
  QUEUE: 'job-queue',
  ENCODING: 'job-events-encoding',
} as const;

/** LIFECYCLE_DELIMITED_ENCODING marks a lifecycle record whose value holds size-delimited events. */
export const LIFECYCLE_DELIMITED_ENCODING = 'size-delimited';

/** LIFECYCLE_RECORD_MAX_BYTES is the size past which packLifecycleEvents starts another record (the broker takes 1 MiB). */
export const LIFECYCLE_RECORD_MAX_BYTES = 256 * 1024;

/**
 * packLifecycleEvents renders events as size-delimited values, in order,
 * starting another value past `maxBytes`. Packing the events of many jobs in
 * one record is what makes them cheap: a record costs the producer, the
 * broker and every follower far more than its bytes.
 */
export function packLifecycleEvents(events: readonly JobLifecycleEvent[], maxBytes = LIFECYCLE_RECORD_MAX_BYTES): Buffer[] {
  const values: Buffer[] = [];
  let writer = new BinaryWriter();
  let bytes = 0;
  for (const event of events) {
    const encoded = toBinary(JobLifecycleEventSchema, event);
    if (bytes > 0 && bytes + encoded.length > maxBytes) {
      values.push(view(writer.finish()));
      writer = new BinaryWriter();
      bytes = 0;
    }
    writer.bytes(encoded);
    bytes += encoded.length + 5;
  }
  if (bytes > 0) values.push(view(writer.finish()));
  return values;
}

// A view, not a copy: kafkajs wants a Buffer.
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** decodeLifecycleRecord returns the events of a lifecycle record (either encoding); a malformed value is a DECODE_FAILED JobError. */
export function decodeLifecycleRecord(value: Buffer | null, headers: IHeaders | undefined): JobLifecycleEvent[] {
  if (!value) return [];
  try {
    if (headers && headerText(headers, LifecycleHeaders.ENCODING) === LIFECYCLE_DELIMITED_ENCODING) {
      const reader = new BinaryReader(value);
      const events: JobLifecycleEvent[] = [];
      while (reader.pos < reader.len) events.push(fromBinary(JobLifecycleEventSchema, reader.bytes()));
      return events;
    }
    return [fromBinary(JobLifecycleEventSchema, value)];
  } catch (error) {
    throw new JobError('DECODE_FAILED', `a malformed job lifecycle record: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
