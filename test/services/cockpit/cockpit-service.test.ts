import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, type Client } from '@connectrpc/connect';
import { EscrowFundedSchema, EscrowRefundedSchema, EscrowReleasedSchema } from '../../../gen/billing/v1/billing_events_pb.js';
import { ProjectArchivedSchema, ProjectCreatedSchema, TimeLoggedSchema } from '../../../gen/cockpit/v1/cockpit_events_pb.js';
import { CockpitService } from '../../../gen/cockpit/v1/cockpit_service_pb.js';
import { ProjectStatus } from '../../../gen/cockpit/v1/project_pb.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { isCalendarDay, weekOf } from '../../../src/services/cockpit/calendar-days.js';
import { createCockpitReactions } from '../../../src/services/cockpit/create-cockpit-reactions.js';
import { money } from '../../../src/services/shared/money.js';
import { eventTypes, rejectsWith, serveForTest, type TestService } from '../service-harness.js';

// A Wednesday: its ISO week runs from Monday 2026-11-23 to Sunday 2026-11-29.
const NOW = new Date('2026-11-25T12:00:00Z');

describe('cockpit service', () => {
  let service: TestService<'cockpit'>;
  let client: Client<typeof CockpitService>;
  let seq = 0;

  before(async () => {
    service = await serveForTest('cockpit', { clock: () => NOW });
    client = service.client(CockpitService);
  });
  after(() => service.close());

  const newProject = (freelancerId = 'usr_f', contractId = `ctr_${++seq}`) =>
    client.createProject({ contractId, freelancerId, clientId: 'usr_c', name: `Project ${seq}` }).then((r) => r.project!);

  test('calendar days and weeks', () => {
    assert.equal(isCalendarDay('2024-02-29'), true);
    assert.equal(isCalendarDay('2023-02-29'), false);
    assert.equal(isCalendarDay('2026-13-01'), false);
    assert.deepEqual(weekOf(NOW), { monday: '2026-11-23', sunday: '2026-11-29' });
    assert.deepEqual(weekOf(new Date('2026-11-29T23:59:59Z')), { monday: '2026-11-23', sunday: '2026-11-29' });
    assert.deepEqual(weekOf(new Date('2026-11-23T00:00:00Z')), { monday: '2026-11-23', sunday: '2026-11-29' });
  });

  test('CreateProject makes one ACTIVE project per contract and publishes ProjectCreated on CONTRACTS', async () => {
    service.events.clear();
    const project = await newProject('usr_f', 'ctr_once');
    assert.equal(project.status, ProjectStatus.ACTIVE);
    const [event] = service.events.events;
    assert.deepEqual([event?.channel, event?.aggregateId], [EventChannels.CONTRACTS, project.projectId]);
    assert.equal(event?.time.toISOString(), NOW.toISOString(), 'events carry the service clock time');
    assert.equal(service.events.ofType(ProjectCreatedSchema)[0]?.contractId, 'ctr_once');
    await rejectsWith(newProject('usr_f', 'ctr_once'), Code.AlreadyExists);
    assert.equal(service.store.counters.get('projectsCreated'), 1);
  });

  test('LogTime on an ACTIVE project, in whole minutes, at most a day per day; TimeLogged is published', async () => {
    const project = await newProject('usr_t');
    service.events.clear();
    const entry = (await client.logTime({ projectId: project.projectId, minutes: 90, date: '2026-11-24', description: 'setup' })).timeEntry!;
    assert.deepEqual([entry.minutes, entry.freelancerId, entry.date], [90, 'usr_t', '2026-11-24']);
    assert.deepEqual(eventTypes(service.events), ['TimeLogged']);
    assert.deepEqual(service.events.ofType(TimeLoggedSchema).map((e) => [e.timeEntryId, e.minutes]), [[entry.timeEntryId, 90]]);
    await rejectsWith(client.logTime({ projectId: project.projectId, minutes: 1440, date: '2026-11-24' }), Code.FailedPrecondition, 'DAILY_MINUTES_EXCEEDED');
    await rejectsWith(client.logTime({ projectId: project.projectId, minutes: 30, date: '2026-02-30' }), Code.InvalidArgument);
    await rejectsWith(client.logTime({ projectId: project.projectId, minutes: 0, date: '2026-11-24' }), Code.InvalidArgument);
    await rejectsWith(client.logTime({ projectId: 'prj_missing', minutes: 30, date: '2026-11-24' }), Code.NotFound);
  });

  test('ArchiveProject is idempotent, publishes once, and an archived project cannot log time', async () => {
    const project = await newProject('usr_a');
    service.events.clear();
    const archived = (await client.archiveProject({ projectId: project.projectId })).project!;
    await client.archiveProject({ projectId: project.projectId });
    assert.equal(archived.status, ProjectStatus.ARCHIVED);
    assert.ok(archived.archivedAt);
    assert.equal(service.events.ofType(ProjectArchivedSchema).length, 1);
    await rejectsWith(client.logTime({ projectId: project.projectId, minutes: 30, date: '2026-11-24' }), Code.FailedPrecondition, 'INVALID_STATE');
    await rejectsWith(client.archiveProject({ projectId: 'prj_missing' }), Code.NotFound);
    await rejectsWith(newProject('usr_a', project.contractId), Code.AlreadyExists);
  });

  test('ListTimeEntries pages newest day first', async () => {
    const project = await newProject('usr_l');
    for (const date of ['2026-11-20', '2026-11-24', '2026-11-22', '2026-11-24']) await client.logTime({ projectId: project.projectId, minutes: 10, date });
    const first = await client.listTimeEntries({ projectId: project.projectId, pageSize: 3 });
    const second = await client.listTimeEntries({ projectId: project.projectId, pageSize: 3, pageToken: first.nextPageToken });
    assert.deepEqual([...first.timeEntries, ...second.timeEntries].map((e) => e.date), ['2026-11-24', '2026-11-24', '2026-11-22', '2026-11-20']);
    assert.equal(second.nextPageToken, '');
    await rejectsWith(client.listTimeEntries({ projectId: 'prj_missing' }), Code.NotFound);
  });

  test('GetDashboard adds up minutes (total and this week) and per-currency earnings from the escrow projection', async () => {
    const reactions = createCockpitReactions({ store: service.store });
    const a = await newProject('usr_d');
    const b = await newProject('usr_d');
    await client.logTime({ projectId: a.projectId, minutes: 60, date: '2026-11-23' });
    await client.logTime({ projectId: a.projectId, minutes: 30, date: '2026-11-16' });
    await client.logTime({ projectId: b.projectId, minutes: 45, date: '2026-11-29' });
    const funded = (escrowId: string, contractId: string, units: bigint, currency: string) =>
      create(EscrowFundedSchema, { escrowId, contractId, amount: money(currency, units) });
    await reactions.onEscrowFunded(funded('esc_a', a.contractId, 1000n, 'EUR'));
    await reactions.onEscrowFunded(funded('esc_a', a.contractId, 1000n, 'EUR')); // redelivered
    await reactions.onEscrowFunded(funded('esc_b', b.contractId, 200n, 'USD'));
    await reactions.onEscrowReleased(create(EscrowReleasedSchema, { escrowId: 'esc_a', contractId: a.contractId, amount: money('EUR', 1000n) }));
    const { dashboard } = await client.getDashboard({ freelancerId: 'usr_d' });
    assert.equal(dashboard?.totalMinutes, 135n);
    assert.equal(dashboard?.minutesThisWeek, 105n);
    assert.deepEqual(dashboard?.projects.map((p) => [p.projectId, p.loggedMinutes, p.earnings?.units]), [
      [b.projectId, 45n, 0n],
      [a.projectId, 90n, 1000n],
    ]);
    assert.deepEqual(dashboard?.totalEarnings.map((m) => [m.currencyCode, m.units]), [['EUR', 1000n], ['USD', 0n]]);
    assert.deepEqual(dashboard?.pendingEarnings.map((m) => [m.currencyCode, m.units]), [['EUR', 0n], ['USD', 200n]]);
    await reactions.onEscrowRefunded(create(EscrowRefundedSchema, { escrowId: 'esc_b', contractId: b.contractId, amount: money('USD', 200n) }));
    const after = (await client.getDashboard({ freelancerId: 'usr_d' })).dashboard!;
    assert.deepEqual(after.pendingEarnings.map((m) => [m.currencyCode, m.units]), [['EUR', 0n], ['USD', 0n]]);
    assert.equal(service.store.counters.get('escrowEventsApplied'), 4);
    const empty = (await client.getDashboard({ freelancerId: 'usr_nobody' })).dashboard!;
    assert.deepEqual([empty.projects.length, empty.totalMinutes], [0, 0n]);
  });
});
