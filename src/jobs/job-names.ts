/**
 * JobNames are the job names producers use inside the queues (BullMQ's job
 * `name`); a name is free text, these are the ones the services agree on.
 */
export const JobNames = {
  PROCESS_JOB: 'process-job',
  NOTIFY_BID: 'notify-bid',
  ADVANCE_CONTRACT: 'advance-contract',
  PROVISION_POD: 'provision-pod',
  CLEANUP_POD: 'cleanup-pod',
  MANAGE_SESSION: 'manage-session',
  PROCESS_PAYMENT: 'process-payment',
  MANAGE_ESCROW: 'manage-escrow',
  GENERATE_INVOICE: 'generate-invoice',
  PROCESS_PAYOUT: 'process-payout',
  SEND_EMAIL: 'send-email',
  SEND_PUSH: 'send-push',
  SEND_SMS: 'send-sms',
  TRACK_EVENT: 'track-event',
  GENERATE_REPORT: 'generate-report',
  ONBOARD_USER: 'onboard-user',
  VERIFY_PROFILE: 'verify-profile',
} as const;

/** JobName is one of the JobNames values; any other string is accepted too. */
export type JobName = (typeof JobNames)[keyof typeof JobNames];
