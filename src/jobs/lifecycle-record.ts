import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { IHeaders } from 'kafkajs';
import { JobLifecycleEventSchema, type JobLifecycleEvent, type JobLifecycleEvent_State } from '../../gen/mesh/v1/job_pb.js';
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

/** LifecycleEventFields are the fields of a mesh.v1.JobLifecycleEvent, with its time as epoch milliseconds. */
export interface LifecycleEventFields {
  jobId: string;
  queue: string;
  name: string;
  state: JobLifecycleEvent_State;
  attempt: number;
  progress?: number;
  error?: string;
  result?: Uint8Array;
  atMs: number;
}

/** lifecycleEvent returns the fields as a mesh.v1.JobLifecycleEvent message. */
export function lifecycleEvent(fields: LifecycleEventFields): JobLifecycleEvent {
  const { atMs, ...rest } = fields;
  return create(JobLifecycleEventSchema, { ...rest, at: timestampFromMs(atMs) });
}

// Protobuf wire format, for the one message encoded on every job's path. protobuf-es's toBinary walks the
// schema by reflection and cost ~5 µs per event (two events per job); this writes the same bytes
// (fields in number order, proto3 defaults left out) in well under one. The tests compare both.
const TAG_JOB_ID = 0x0a;
const TAG_QUEUE = 0x12;
const TAG_NAME = 0x1a;
const TAG_STATE = 0x20;
const TAG_PROGRESS = 0x28;
const TAG_ERROR = 0x32;
const TAG_ATTEMPT = 0x38;
const TAG_RESULT = 0x42;
const TAG_AT = 0x4a;
const TAG_SECONDS = 0x08;
const TAG_NANOS = 0x10;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size += 1;
  }
  return size;
}

function writeVarint(buffer: Buffer, position: number, value: number): number {
  while (value >= 0x80) {
    buffer[position++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[position++] = value;
  return position;
}

/** Sizes of one event's parts, measured once and used to write it. */
interface Measured {
  fields: LifecycleEventFields;
  jobId: number;
  queue: number;
  name: number;
  error: number;
  seconds: number;
  nanos: number;
  at: number;
  size: number;
}

function stringSize(bytes: number): number {
  return bytes === 0 ? 0 : 1 + varintSize(bytes) + bytes;
}

function numberSize(value: number): number {
  return value === 0 ? 0 : 1 + varintSize(value);
}

function measure(fields: LifecycleEventFields): Measured | undefined {
  const progress = fields.progress ?? 0;
  // Negative varints take ten bytes of two's complement; nothing publishes them, so the generic encoder covers it.
  if (fields.state < 0 || fields.attempt < 0 || progress < 0 || !Number.isInteger(fields.attempt) || !Number.isInteger(progress)) return undefined;
  const jobId = Buffer.byteLength(fields.jobId);
  const queue = Buffer.byteLength(fields.queue);
  const name = Buffer.byteLength(fields.name);
  const error = fields.error ? Buffer.byteLength(fields.error) : 0;
  const seconds = Math.floor(fields.atMs / 1000);
  const nanos = (fields.atMs - seconds * 1000) * 1_000_000;
  if (seconds < 0 || !Number.isInteger(nanos)) return undefined;
  const at = numberSize(seconds) + numberSize(nanos);
  const result = fields.result?.length ?? 0;
  const size =
    stringSize(jobId) + stringSize(queue) + stringSize(name) + numberSize(fields.state) + numberSize(progress) + stringSize(error) + numberSize(fields.attempt) + stringSize(result) + 1 + varintSize(at) + at;
  return { fields, jobId, queue, name, error, seconds, nanos, at, size };
}

function writeString(buffer: Buffer, position: number, tag: number, text: string, bytes: number): number {
  if (bytes === 0) return position;
  buffer[position++] = tag;
  position = writeVarint(buffer, position, bytes);
  return position + buffer.write(text, position, bytes, 'utf8');
}

function writeNumber(buffer: Buffer, position: number, tag: number, value: number): number {
  if (value === 0) return position;
  buffer[position++] = tag;
  return writeVarint(buffer, position, value);
}

function write(buffer: Buffer, position: number, event: Measured): number {
  const { fields } = event;
  position = writeString(buffer, position, TAG_JOB_ID, fields.jobId, event.jobId);
  position = writeString(buffer, position, TAG_QUEUE, fields.queue, event.queue);
  position = writeString(buffer, position, TAG_NAME, fields.name, event.name);
  position = writeNumber(buffer, position, TAG_STATE, fields.state);
  position = writeNumber(buffer, position, TAG_PROGRESS, fields.progress ?? 0);
  position = writeString(buffer, position, TAG_ERROR, fields.error ?? '', event.error);
  position = writeNumber(buffer, position, TAG_ATTEMPT, fields.attempt);
  const result = fields.result;
  if (result && result.length > 0) {
    buffer[position++] = TAG_RESULT;
    position = writeVarint(buffer, position, result.length);
    buffer.set(result, position);
    position += result.length;
  }
  buffer[position++] = TAG_AT;
  position = writeVarint(buffer, position, event.at);
  position = writeNumber(buffer, position, TAG_SECONDS, event.seconds);
  return writeNumber(buffer, position, TAG_NANOS, event.nanos);
}

/** encodeLifecycleEvent renders one event in the protobuf binary format (the bytes toBinary gives). */
export function encodeLifecycleEvent(fields: LifecycleEventFields): Uint8Array {
  const measured = measure(fields);
  if (!measured) return toBinary(JobLifecycleEventSchema, lifecycleEvent(fields));
  const buffer = Buffer.allocUnsafe(measured.size);
  write(buffer, 0, measured);
  return buffer;
}

/**
 * packLifecycleEvents renders events as size-delimited values, in order,
 * starting another value past `maxBytes`. Packing the events of many jobs in
 * one record is what makes them cheap: a record costs the producer, the
 * broker and every follower far more than its bytes.
 */
export function packLifecycleEvents(events: readonly LifecycleEventFields[], maxBytes = LIFECYCLE_RECORD_MAX_BYTES): Buffer[] {
  const values: Buffer[] = [];
  let chunk: (Measured | Uint8Array)[] = [];
  let bytes = 0;
  const close = () => {
    const buffer = Buffer.allocUnsafe(bytes);
    let position = 0;
    for (const part of chunk) {
      const size = part instanceof Uint8Array ? part.length : part.size;
      position = writeVarint(buffer, position, size);
      if (part instanceof Uint8Array) {
        buffer.set(part, position);
        position += size;
      } else position = write(buffer, position, part);
    }
    values.push(buffer);
    chunk = [];
    bytes = 0;
  };
  for (const fields of events) {
    const part = measure(fields) ?? toBinary(JobLifecycleEventSchema, lifecycleEvent(fields));
    const size = part instanceof Uint8Array ? part.length : part.size;
    if (bytes > 0 && bytes + size > maxBytes) close();
    chunk.push(part);
    bytes += varintSize(size) + size;
  }
  if (bytes > 0) close();
  return values;
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
