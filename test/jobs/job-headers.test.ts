import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { JobMetadataSchema } from '../../gen/mesh/v1/job_pb.js';
import { encodeJobHeaders, readJobHeaders } from '../../src/jobs/job-headers.js';

describe('job headers', () => {
  test('readJobHeaders gives the message create() gives, with and without a schedule time', () => {
    for (const init of [
      { jobId: 'j-1', queue: 'sms-queue', name: 'send', attempt: 2, maxAttempts: 5, key: 'user-1' },
      { jobId: 'j-2', queue: 'sms-queue', name: '', attempt: 1, maxAttempts: 3, key: '', scheduledAt: timestampFromMs(1_764_750_000_000) },
    ]) {
      const headers = Object.fromEntries(Object.entries(encodeJobHeaders(init, 'notification.v1.SendSmsJob')).map(([name, value]) => [name, Buffer.from(value)]));
      assert.deepEqual(readJobHeaders(headers).metadata, create(JobMetadataSchema, init));
    }
  });
});
