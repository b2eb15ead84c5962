import { Code, ConnectError, type Client } from '@connectrpc/connect';
import type { NotificationService } from '../../gen/notification/v1/notification_service_pb.js';
import { UnrecoverableJobError, type JobProcessor, type QueueNames } from '../jobs/index.js';
import { NOTIFY_TOPIC_DATA_KEY, TRANSIENT_CODES } from './contract-saga.js';

/** DEFAULT_NOTIFY_TOPIC is the NotifyUser topic of a push job without NOTIFY_TOPIC_DATA_KEY. */
export const DEFAULT_NOTIFY_TOPIC = 'contracts';

/**
 * createNotifyUserJobProcessor runs PUSH_QUEUE jobs (SendPushJob) by calling
 * the notification service's NotifyUser, which applies the user's
 * preferences and channels, under the job id as idempotency key: a job run
 * twice (a retry after a lost answer, a worker crash) notifies once. A
 * refusal the service will repeat (anything but TRANSIENT_CODES) dead-letters
 * the job at once; the answer's notification id is the job's result.
 */
export function createNotifyUserJobProcessor(notification: Client<typeof NotificationService>): JobProcessor<typeof QueueNames.PUSH_QUEUE> {
  return async (job) => {
    const { [NOTIFY_TOPIC_DATA_KEY]: topic = DEFAULT_NOTIFY_TOPIC, ...data } = job.data.data;
    try {
      const { notificationId } = await notification.notifyUser(
        { userId: job.data.userId, title: job.data.title, body: job.data.body, topic, data },
        { headers: { 'idempotency-key': job.id } },
      );
      return new TextEncoder().encode(notificationId);
    } catch (error) {
      const connect = ConnectError.from(error);
      if (TRANSIENT_CODES.has(connect.code) || connect.code === Code.Canceled) throw error;
      throw new UnrecoverableJobError(connect.message, { cause: error });
    }
  };
}
