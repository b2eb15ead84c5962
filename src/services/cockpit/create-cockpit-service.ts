import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { ProjectArchivedSchema, ProjectCreatedSchema, TimeLoggedSchema } from '../../../gen/cockpit/v1/cockpit_events_pb.js';
import { CockpitService } from '../../../gen/cockpit/v1/cockpit_service_pb.js';
import { DashboardSchema, ProjectSummarySchema } from '../../../gen/cockpit/v1/dashboard_pb.js';
import { ProjectSchema, ProjectStatus, type Project } from '../../../gen/cockpit/v1/project_pb.js';
import { TimeEntrySchema } from '../../../gen/cockpit/v1/time_entry_pb.js';
import type { Money } from '../../../gen/mesh/v1/money_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { createServicePublisher } from '../shared/service-publisher.js';
import { nowTimestamp, systemClock } from '../shared/clock.js';
import { moneyFromNanos } from '../shared/money.js';
import { newId } from '../shared/new-id.js';
import { paginate } from '../shared/page-token.js';
import type { ServiceDependencies } from '../shared/service-dependencies.js';
import { alreadyExists, ErrorReasons, failedPrecondition, invalidArgument, mustFind } from '../shared/service-errors.js';
import { isCalendarDay, weekOf } from './calendar-days.js';
import { CockpitStore } from './cockpit-store.js';

/** COCKPIT_DOMAIN is the ErrorInfo domain of the cockpit service's errors. */
export const COCKPIT_DOMAIN = 'cockpit';

/** MAX_MINUTES_PER_DAY bounds what one freelancer can log on one day, across projects. */
export const MAX_MINUTES_PER_DAY = 1440;

function perCurrency(amounts: Iterable<{ currencyCode: string; nanos: bigint }>): Money[] {
  const totals = new Map<string, bigint>();
  for (const { currencyCode, nanos } of amounts) totals.set(currencyCode, (totals.get(currencyCode) ?? 0n) + nanos);
  return [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currencyCode, nanos]) => moneyFromNanos(currencyCode, nanos));
}

/**
 * createCockpitService implements CockpitService over a CockpitStore: one
 * project per contract, time in whole minutes on ACTIVE projects, and a
 * dashboard that adds up time and the escrow projection
 * (createCockpitReactions); changes are published on the CONTRACTS channel.
 */
export function createCockpitService(deps: ServiceDependencies<CockpitStore>): ServiceImpl<typeof CockpitService> {
  const store = deps.store ?? new CockpitStore();
  const clock = deps.clock ?? systemClock;
  const events = createServicePublisher(deps.events, clock);

  const getProject = (projectId: string): Project => mustFind(store.projects, projectId, COCKPIT_DOMAIN, 'project');

  return {
    createProject(request) {
      return store.mutex.runExclusive(async () => {
        const existing = store.projectOfContract(request.contractId);
        if (existing) throw alreadyExists(COCKPIT_DOMAIN, `contract ${request.contractId} already has project ${existing.projectId}`, { project_id: existing.projectId });
        const now = nowTimestamp(clock);
        const project = create(ProjectSchema, {
          projectId: newId('prj'),
          contractId: request.contractId,
          freelancerId: request.freelancerId,
          clientId: request.clientId,
          name: request.name,
          status: ProjectStatus.ACTIVE,
          createdAt: now,
        });
        const event = create(ProjectCreatedSchema, {
          projectId: project.projectId,
          contractId: project.contractId,
          freelancerId: project.freelancerId,
          clientId: project.clientId,
          name: project.name,
          createdAt: now,
        });
        await events.publish(EventChannels.CONTRACTS, ProjectCreatedSchema, event, { aggregateId: project.projectId, aggregateType: 'project' });
        store.projects.set(project.projectId, project);
        store.counters.increment('projectsCreated');
        return { project };
      });
    },

    getDashboard(request) {
      const projects = [...store.projects.values()].reverse().filter((project) => project.freelancerId === request.freelancerId);
      const { monday, sunday } = weekOf(clock());
      let totalMinutes = 0n;
      let minutesThisWeek = 0n;
      const summaries = projects.map((project) => {
        let loggedMinutes = 0n;
        for (const entry of store.entriesOfProject(project.projectId)) {
          loggedMinutes += BigInt(entry.minutes);
          if (entry.date >= monday && entry.date <= sunday) minutesThisWeek += BigInt(entry.minutes);
        }
        totalMinutes += loggedMinutes;
        const funds = store.funds.get(project.contractId);
        return create(ProjectSummarySchema, {
          projectId: project.projectId,
          name: project.name,
          status: project.status,
          loggedMinutes,
          earnings: funds ? moneyFromNanos(funds.currencyCode, funds.releasedNanos) : undefined,
        });
      });
      const funds = projects.flatMap((project) => store.funds.get(project.contractId) ?? []);
      const dashboard = create(DashboardSchema, {
        freelancerId: request.freelancerId,
        projects: summaries,
        totalMinutes,
        minutesThisWeek,
        totalEarnings: perCurrency(funds.map((f) => ({ currencyCode: f.currencyCode, nanos: f.releasedNanos }))),
        pendingEarnings: perCurrency(funds.map((f) => ({ currencyCode: f.currencyCode, nanos: f.pendingNanos }))),
      });
      return { dashboard };
    },

    logTime(request) {
      return store.mutex.runExclusive(async () => {
        const project = getProject(request.projectId);
        if (!isCalendarDay(request.date)) throw invalidArgument('date', 'date', 'must be a calendar day "YYYY-MM-DD"');
        if (request.minutes <= 0 || request.minutes > MAX_MINUTES_PER_DAY) throw invalidArgument('minutes', 'gt', `must be in 1..${MAX_MINUTES_PER_DAY}`);
        if (project.status !== ProjectStatus.ACTIVE) {
          throw failedPrecondition(COCKPIT_DOMAIN, ErrorReasons.INVALID_STATE, `project ${project.projectId} is ${ProjectStatus[project.status]}, not ACTIVE`, {
            project_id: project.projectId,
          });
        }
        const already = store.minutesOn(project.freelancerId, request.date);
        if (already + request.minutes > MAX_MINUTES_PER_DAY) {
          throw failedPrecondition(COCKPIT_DOMAIN, ErrorReasons.DAILY_MINUTES_EXCEEDED, `${request.date} already has ${already} minutes logged`, {
            date: request.date,
            logged_minutes: String(already),
          });
        }
        const now = nowTimestamp(clock);
        const entry = create(TimeEntrySchema, {
          timeEntryId: newId('tme'),
          projectId: project.projectId,
          freelancerId: project.freelancerId,
          minutes: request.minutes,
          description: request.description,
          date: request.date,
          createdAt: now,
        });
        const event = create(TimeLoggedSchema, {
          timeEntryId: entry.timeEntryId,
          projectId: project.projectId,
          freelancerId: project.freelancerId,
          minutes: entry.minutes,
          date: entry.date,
          loggedAt: now,
        });
        await events.publish(EventChannels.CONTRACTS, TimeLoggedSchema, event, { aggregateId: project.projectId, aggregateType: 'project' });
        store.timeEntries.set(entry.timeEntryId, entry);
        store.counters.increment('timeEntriesLogged');
        store.counters.increment('minutesLogged', entry.minutes);
        return { timeEntry: entry };
      });
    },

    listTimeEntries(request) {
      getProject(request.projectId);
      // Newest day first; within a day, the latest entry first.
      const entries = store
        .entriesOfProject(request.projectId)
        .reverse()
        .sort((a, b) => (a.date === b.date ? 0 : a.date < b.date ? 1 : -1));
      const page = paginate(entries, request, { filter: { projectId: request.projectId }, idOf: (entry) => entry.timeEntryId });
      return { timeEntries: page.items, nextPageToken: page.nextPageToken };
    },

    archiveProject(request) {
      return store.mutex.runExclusive(async () => {
        const project = getProject(request.projectId);
        if (project.status === ProjectStatus.ARCHIVED) return { project };
        const archivedAt = nowTimestamp(clock);
        const archived = create(ProjectSchema, { ...project, status: ProjectStatus.ARCHIVED, archivedAt });
        const event = create(ProjectArchivedSchema, { projectId: project.projectId, freelancerId: project.freelancerId, archivedAt });
        await events.publish(EventChannels.CONTRACTS, ProjectArchivedSchema, event, { aggregateId: project.projectId, aggregateType: 'project' });
        store.projects.set(project.projectId, archived);
        store.counters.increment('projectsArchived');
        return { project: archived };
      });
    },
  };
}
