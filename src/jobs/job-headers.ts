import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { IHeaders } from 'kafkajs';
import { JobMetadataSchema, type JobMetadata } from '../../gen/mesh/v1/job_pb.js';
import { JobError } from './job-error.js';
import type { JobBackoff } from './job-options.js';

/**
 * JobHeaders name the record headers that carry a job's mesh.v1.JobMetadata
 * (the value is the bare payload message, as proto/README.md requires) and
 * what the retry and schedule topics add.
 */
export const JobHeaders = {
  ID: 'job-id',
  QUEUE: 'job-queue',
  NAME: 'job-name',
  /** 1 for the first run. */
  ATTEMPT: 'job-attempt',
  MAX_ATTEMPTS: 'job-max-attempts',
  /** The ordering key, empty when the job has none. */
  KEY: 'job-key',
  /** ISO-8601 time before which the job must not run (delayed jobs). */
  SCHEDULED_AT: 'job-scheduled-at',
  /** Fully-qualified name of the payload message, e.g. notification.v1.SendEmailJob. */
  TYPE: 'job-type',
  /** JSON of the JobBackoff the retries follow. */
  BACKOFF: 'job-backoff',
  /** Epoch milliseconds at which a retry record is due back on the main topic. */
  DUE_AT: 'job-due-at',
} as const;

/** JobRecordInfo is what the headers of a job record say besides the payload. */
export interface JobRecordInfo {
  metadata: JobMetadata;
  type: string;
  backoff: JobBackoff | undefined;
  dueAt: number | undefined;
}

/** headerText reads one header as UTF-8 (kafkajs gives Buffers, producers may have set strings). */
export function headerText(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** encodeJobHeaders renders a job's metadata (and its backoff and due time) as record headers. */
export function encodeJobHeaders(metadata: MessageInitShape<typeof JobMetadataSchema>, type: string, backoff?: JobBackoff, dueAt?: number): Record<string, string> {
  const meta = create(JobMetadataSchema, metadata);
  const headers: Record<string, string> = {
    [JobHeaders.ID]: meta.jobId,
    [JobHeaders.QUEUE]: meta.queue,
    [JobHeaders.NAME]: meta.name,
    [JobHeaders.ATTEMPT]: String(meta.attempt),
    [JobHeaders.MAX_ATTEMPTS]: String(meta.maxAttempts),
    [JobHeaders.KEY]: meta.key,
    [JobHeaders.TYPE]: type,
  };
  if (meta.scheduledAt) headers[JobHeaders.SCHEDULED_AT] = timestampDate(meta.scheduledAt).toISOString();
  if (backoff) headers[JobHeaders.BACKOFF] = JSON.stringify(backoff);
  if (dueAt !== undefined) headers[JobHeaders.DUE_AT] = String(dueAt);
  return headers;
}

/** readJobHeaders decodes the headers of a job record; a record without a job id or queue is a DECODE_FAILED JobError. */
export function readJobHeaders(headers: IHeaders): JobRecordInfo {
  const jobId = headerText(headers, JobHeaders.ID);
  const queue = headerText(headers, JobHeaders.QUEUE);
  if (!jobId || !queue) throw new JobError('DECODE_FAILED', `a job record needs the ${JobHeaders.ID} and ${JobHeaders.QUEUE} headers`);
  const scheduledAt = headerText(headers, JobHeaders.SCHEDULED_AT);
  const backoffText = headerText(headers, JobHeaders.BACKOFF);
  const dueAtText = headerText(headers, JobHeaders.DUE_AT);
  let backoff: JobBackoff | undefined;
  try {
    backoff = backoffText ? (JSON.parse(backoffText) as JobBackoff) : undefined;
  } catch (error) {
    throw new JobError('DECODE_FAILED', `bad ${JobHeaders.BACKOFF} header: ${backoffText}`, { cause: error });
  }
  // A literal of every field rather than create(): this runs for every job, and create() fills a message by reflection.
  const metadata: JobMetadata = {
    $typeName: JobMetadataSchema.typeName,
    jobId,
    queue,
    name: headerText(headers, JobHeaders.NAME) ?? '',
    attempt: Number(headerText(headers, JobHeaders.ATTEMPT) ?? '1') || 1,
    maxAttempts: Number(headerText(headers, JobHeaders.MAX_ATTEMPTS) ?? '1') || 1,
    key: headerText(headers, JobHeaders.KEY) ?? '',
  };
  if (scheduledAt) metadata.scheduledAt = timestampFromMs(Date.parse(scheduledAt));
  return { metadata, type: headerText(headers, JobHeaders.TYPE) ?? '', backoff, dueAt: dueAtText ? Number(dueAtText) : undefined };
}
