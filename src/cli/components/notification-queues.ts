import { QueueNames } from '../../jobs/index.js';

/** NOTIFICATION_QUEUES are the queues the job-workers component of `mesh up` works. */
export const NOTIFICATION_QUEUES = [QueueNames.EMAIL_QUEUE, QueueNames.PUSH_QUEUE, QueueNames.SMS_QUEUE, QueueNames.BID_NOTIFICATIONS] as const;
