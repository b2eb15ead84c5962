import { create } from '@bufbuild/protobuf';
import { BudgetType, JobSchema, JobStatus, type Budget } from '../../../gen/market/v1/job_pb.js';
import { JobPostedSchema } from '../../../gen/market/v1/market_events_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { nowTimestamp } from '../shared/clock.js';
import { compareMoney } from '../shared/money.js';
import { requireCurrency, requireMoney } from '../shared/money-arguments.js';
import { newId } from '../shared/new-id.js';
import { paginate } from '../shared/page-token.js';
import { invalidArgument, requireField } from '../shared/service-errors.js';
import { findJob, type MarketContext, type MarketHandlers } from './market-context.js';

function checkBudget(budget: Budget | undefined): Budget {
  const value = requireField(budget, 'budget');
  if (value.type === BudgetType.UNSPECIFIED || BudgetType[value.type] === undefined) throw invalidArgument('budget.type', 'enum', 'must be FIXED or HOURLY');
  const min = requireMoney(value.min, 'budget.min', { positive: true });
  const max = requireMoney(value.max, 'budget.max', { positive: true });
  requireCurrency(max, min.currencyCode, 'budget.max');
  if (compareMoney(min, max) > 0) throw invalidArgument('budget.max', 'budget', 'must not be less than budget.min');
  return value;
}

/** createJobHandlers implements CreateJob, GetJob and ListJobs: jobs posted OPEN with a budget in one currency, min ≤ max. */
export function createJobHandlers(context: MarketContext): MarketHandlers<'createJob' | 'getJob' | 'listJobs'> {
  const { store, events, clock } = context;
  return {
    createJob(request) {
      return store.mutex.runExclusive(async () => {
        const budget = checkBudget(request.budget);
        const now = nowTimestamp(clock);
        const job = create(JobSchema, {
          jobId: newId('job'),
          clientId: request.clientId,
          title: request.title,
          description: request.description,
          budget,
          skills: [...new Set(request.skills)],
          status: JobStatus.OPEN,
          createdAt: now,
          updatedAt: now,
        });
        const event = create(JobPostedSchema, { jobId: job.jobId, clientId: job.clientId, title: job.title, budget, skills: job.skills, postedAt: now });
        await events.publish(EventChannels.JOBS, JobPostedSchema, event, { aggregateId: job.jobId, aggregateType: 'job' });
        store.jobs.set(job.jobId, job);
        store.counters.increment('jobsPosted');
        return { job };
      });
    },

    getJob(request) {
      return { job: findJob(store, request.jobId) };
    },

    listJobs(request) {
      const jobs = store
        .newestJobsFirst()
        .filter((job) => (request.clientId === '' || job.clientId === request.clientId) && (request.status === JobStatus.UNSPECIFIED || job.status === request.status));
      const page = paginate(jobs, request, { filter: { clientId: request.clientId, status: request.status }, idOf: (job) => job.jobId });
      return { jobs: page.items, nextPageToken: page.nextPageToken };
    },
  };
}
