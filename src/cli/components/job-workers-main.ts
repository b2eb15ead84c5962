// The job workers as a process of `mesh up`: workers of the notification
// queues (email, push, SMS, bid notifications) that deliver through the
// notification service, and the scheduler that fires delayed and recurring
// jobs. It prints one JSON line when ready and stops on SIGTERM/SIGINT or
// when its parent goes away.
import { BidNotificationJob_Kind } from '../../../gen/market/v1/market_jobs_pb.js';
import { createQueueManager, QueueNames, type Worker } from '../../jobs/index.js';
import { closeMeshClients, notificationClient } from '../../rpc/client/index.js';
import { NOTIFICATION_QUEUES } from './notification-queues.js';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} job-workers: ${line}\n`);
const manager = createQueueManager();
const workers: Worker[] = [];
try {
  const idempotent = (jobId: string) => ({ headers: { 'idempotency-key': `job:${jobId}` } });
  workers.push(
    manager.createWorker(QueueNames.EMAIL_QUEUE, async (job) => {
      await notificationClient.sendEmail({ to: job.data.to, templateId: job.data.templateId, variables: job.data.variables }, idempotent(job.id));
      log(`email ${job.id} sent to ${job.data.to}`);
    }),
    manager.createWorker(QueueNames.PUSH_QUEUE, async (job) => {
      await notificationClient.sendPush({ userId: job.data.userId, title: job.data.title, body: job.data.body, data: job.data.data }, idempotent(job.id));
      log(`push ${job.id} sent to ${job.data.userId}`);
    }),
    manager.createWorker(QueueNames.SMS_QUEUE, async (job) => {
      await notificationClient.sendSms({ phoneNumber: job.data.phoneNumber, body: job.data.body }, idempotent(job.id));
      log(`sms ${job.id} sent to ${job.data.phoneNumber}`);
    }),
    manager.createWorker(QueueNames.BID_NOTIFICATIONS, async (job) => {
      const what = BidNotificationJob_Kind[job.data.kind]?.toLowerCase() ?? 'updated';
      await notificationClient.notifyUser(
        { userId: job.data.recipientUserId, title: `Bid ${what}`, body: `Bid ${job.data.bidId} on job ${job.data.jobId} was ${what}.`, topic: 'bids', data: { bidId: job.data.bidId, jobId: job.data.jobId } },
        idempotent(job.id),
      );
      log(`bid notification ${job.id} sent to ${job.data.recipientUserId}`);
    }),
  );
  manager.createScheduler();
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
} catch (error) {
  process.stderr.write(`job-workers: cannot start: ${(error as Error).message}\n`);
  await manager.close().catch(() => undefined);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ component: 'job-workers', queues: NOTIFICATION_QUEUES })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void manager
    .close()
    .catch(() => undefined)
    .then(() => {
      closeMeshClients();
      process.exit(0);
    });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.send) process.on('disconnect', stop);
