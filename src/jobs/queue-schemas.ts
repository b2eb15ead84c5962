import type { MessageShape } from '@bufbuild/protobuf';
import { ProfileVerificationJobSchema, UserOnboardingJobSchema } from '../../gen/auth/v1/auth_jobs_pb.js';
import { EscrowManagementJobSchema, InvoiceGenerationJobSchema, PaymentProcessingJobSchema, PayoutProcessingJobSchema } from '../../gen/billing/v1/billing_jobs_pb.js';
import { AnalyticsEventJobSchema, ReportGenerationJobSchema } from '../../gen/cockpit/v1/cockpit_jobs_pb.js';
import { BidNotificationJobSchema, ContractLifecycleJobSchema, JobProcessingJobSchema } from '../../gen/market/v1/market_jobs_pb.js';
import { SendEmailJobSchema, SendPushJobSchema, SendSmsJobSchema } from '../../gen/notification/v1/notification_jobs_pb.js';
import { PodCleanupJobSchema, PodProvisioningJobSchema, SessionManagementJobSchema } from '../../gen/skillpod/v1/skillpod_jobs_pb.js';
import { QueueNames, type QueueName } from './queue-names.js';

/**
 * QueueSchemas maps every queue to the proto message of its job payloads
 * (one message per queue, as the job protos declare them), so `addJob` and
 * the processor of a worker are typed by the queue they name.
 */
export const QueueSchemas = {
  [QueueNames.JOB_PROCESSING]: JobProcessingJobSchema,
  [QueueNames.BID_NOTIFICATIONS]: BidNotificationJobSchema,
  [QueueNames.CONTRACT_LIFECYCLE]: ContractLifecycleJobSchema,
  [QueueNames.POD_PROVISIONING]: PodProvisioningJobSchema,
  [QueueNames.POD_CLEANUP]: PodCleanupJobSchema,
  [QueueNames.SESSION_MANAGEMENT]: SessionManagementJobSchema,
  [QueueNames.PAYMENT_PROCESSING]: PaymentProcessingJobSchema,
  [QueueNames.ESCROW_MANAGEMENT]: EscrowManagementJobSchema,
  [QueueNames.INVOICE_GENERATION]: InvoiceGenerationJobSchema,
  [QueueNames.PAYOUT_PROCESSING]: PayoutProcessingJobSchema,
  [QueueNames.EMAIL_QUEUE]: SendEmailJobSchema,
  [QueueNames.PUSH_QUEUE]: SendPushJobSchema,
  [QueueNames.SMS_QUEUE]: SendSmsJobSchema,
  [QueueNames.ANALYTICS_EVENTS]: AnalyticsEventJobSchema,
  [QueueNames.REPORT_GENERATION]: ReportGenerationJobSchema,
  [QueueNames.USER_ONBOARDING]: UserOnboardingJobSchema,
  [QueueNames.PROFILE_VERIFICATION]: ProfileVerificationJobSchema,
} as const satisfies Record<QueueName, unknown>;

/** QueueSchema is the payload schema of queue `Q`. */
export type QueueSchema<Q extends QueueName> = (typeof QueueSchemas)[Q];

/** JobData is the typed payload of a job on queue `Q`. */
export type JobData<Q extends QueueName> = MessageShape<QueueSchema<Q>>;
