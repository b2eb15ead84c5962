/**
 * QueueNames are the queues of the older BullMQ design, under the same
 * constant names; each value is the queue's topic suffix (`jobs.<value>`).
 */
export const QueueNames = {
  JOB_PROCESSING: 'job-processing',
  BID_NOTIFICATIONS: 'bid-notifications',
  CONTRACT_LIFECYCLE: 'contract-lifecycle',
  POD_PROVISIONING: 'pod-provisioning',
  POD_CLEANUP: 'pod-cleanup',
  SESSION_MANAGEMENT: 'session-management',
  PAYMENT_PROCESSING: 'payment-processing',
  ESCROW_MANAGEMENT: 'escrow-management',
  INVOICE_GENERATION: 'invoice-generation',
  PAYOUT_PROCESSING: 'payout-processing',
  EMAIL_QUEUE: 'email-queue',
  PUSH_QUEUE: 'push-queue',
  SMS_QUEUE: 'sms-queue',
  ANALYTICS_EVENTS: 'analytics-events',
  REPORT_GENERATION: 'report-generation',
  USER_ONBOARDING: 'user-onboarding',
  PROFILE_VERIFICATION: 'profile-verification',
} as const;

/** QueueName is one of the QueueNames values. */
export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];
