import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { equals, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { JobLifecycleEvent_State, JobLifecycleEventSchema, type JobLifecycleEvent } from '../../gen/mesh/v1/job_pb.js';
import { JobError } from '../../src/jobs/job-error.js';
import {
  decodeLifecycleRecord,
  encodeLifecycleEvent,
  LIFECYCLE_DELIMITED_ENCODING,
  lifecycleEvent,
  LifecycleHeaders,
  packLifecycleEvents,
  type LifecycleEventFields,
} from '../../src/jobs/lifecycle-record.js';

const delimited = { [LifecycleHeaders.ENCODING]: LIFECYCLE_DELIMITED_ENCODING };

const samples: LifecycleEventFields[] = [
  { jobId: '8c6f0a5e-1b2c-4d3e-9f8a-7b6c5d4e3f2a', queue: 'sms-queue', name: 'send', state: JobLifecycleEvent_State.ACTIVE, attempt: 1, atMs: 1_764_750_000_123 },
  { jobId: 'j', queue: 'q', name: '', state: JobLifecycleEvent_State.COMPLETED, attempt: 3, result: new Uint8Array([0, 1, 2, 255]), atMs: 1_764_750_000_000 },
  { jobId: 'jöb-ü€😀', queue: 'email-queue', name: 'nämé', state: JobLifecycleEvent_State.FAILED, attempt: 200, error: 'boom: ' + 'x'.repeat(300), atMs: 5 },
  { jobId: 'p', queue: 'q', name: 'n', state: JobLifecycleEvent_State.PROGRESS, attempt: 1, progress: 100, atMs: 0 },
  { jobId: '', queue: '', name: '', state: JobLifecycleEvent_State.UNSPECIFIED, attempt: 0, atMs: 999 },
  { jobId: 'big', queue: 'q', name: 'n', state: JobLifecycleEvent_State.COMPLETED, attempt: 2 ** 31 - 1, result: new Uint8Array(70_000).fill(7), atMs: 8_640_000_000_000_000 },
  // Negative numbers take the generic encoder.
  { jobId: 'neg', queue: 'q', name: 'n', state: JobLifecycleEvent_State.FAILED, attempt: -1, atMs: 1_000 },
];

function assertEvents(actual: JobLifecycleEvent[], expected: LifecycleEventFields[]): void {
  assert.equal(actual.length, expected.length);
  // protobuf equality: bytes fields decoded from a Buffer are Buffers.
  actual.forEach((event, index) => assert.ok(equals(JobLifecycleEventSchema, event, lifecycleEvent(expected[index]!)), `event ${index} differs: ${event.jobId}`));
}

describe('lifecycle records', () => {
  test('encodeLifecycleEvent writes the bytes protobuf-es writes', () => {
    for (const fields of samples) {
      const expected = toBinary(JobLifecycleEventSchema, lifecycleEvent(fields));
      assert.deepEqual(new Uint8Array(encodeLifecycleEvent(fields)), expected, `event of job ${fields.jobId}`);
    }
  });

  test('packed events decode in order, split past maxBytes; a single-event record still decodes', () => {
    const whole = packLifecycleEvents(samples);
    assert.equal(whole.length, 1);
    assertEvents(decodeLifecycleRecord(whole[0]!, delimited), samples);
    // The same bytes protobuf's size-delimited writer gives.
    const writer = new BinaryWriter();
    for (const fields of samples) writer.bytes(toBinary(JobLifecycleEventSchema, lifecycleEvent(fields)));
    assert.deepEqual(new Uint8Array(whole[0]!), writer.finish());
    const split = packLifecycleEvents(samples, 1000);
    assert.ok(split.length >= 3, `${split.length} values`);
    assertEvents(split.flatMap((value) => decodeLifecycleRecord(value, delimited)), samples);
    const single = Buffer.from(toBinary(JobLifecycleEventSchema, lifecycleEvent(samples[0]!)));
    assertEvents(decodeLifecycleRecord(single, {}), [samples[0]!]);
    assert.deepEqual(decodeLifecycleRecord(null, delimited), []);
  });

  test('a malformed record is a DECODE_FAILED JobError', () => {
    const truncated = packLifecycleEvents(samples.slice(0, 2))[0]!.subarray(0, 20);
    assert.throws(
      () => decodeLifecycleRecord(truncated, delimited),
      (error: unknown) => error instanceof JobError && error.code === 'DECODE_FAILED',
    );
  });
});
