import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, type Client } from '@connectrpc/connect';
import { durationMs } from '@bufbuild/protobuf/wkt';
import { PodSchema, PodStatus } from '../../../gen/skillpod/v1/pod_pb.js';
import { SessionStatus } from '../../../gen/skillpod/v1/session_pb.js';
import { PodProvisionedSchema, PodTerminatedSchema, SessionEndedSchema, SessionStartedSchema } from '../../../gen/skillpod/v1/skillpod_events_pb.js';
import { SkillpodService } from '../../../gen/skillpod/v1/skillpod_service_pb.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { DEFAULT_POD_TEMPLATE_ID, POD_TEMPLATES } from '../../../src/services/skillpod/pod-templates.js';
import { createInMemoryEventPublisher } from '../../../src/services/shared/in-memory-event-publisher.js';
import { createSkillpodService } from '../../../src/services/skillpod/create-skillpod-service.js';
import { SkillpodStore } from '../../../src/services/skillpod/skillpod-store.js';
import { eventTypes, rejectsWith, serveForTest, serveImplementation, type TestService } from '../service-harness.js';

describe('skillpod service', () => {
  let service: TestService<'skillpod'>;
  let client: Client<typeof SkillpodService>;
  let contractSeq = 0;

  before(async () => {
    service = await serveForTest('skillpod');
    client = service.client(SkillpodService);
  });
  after(() => service.close());

  const provision = (freelancerId = 'usr_f', contractId = `ctr_${++contractSeq}`) =>
    client.provisionPod({ contractId, freelancerId, templateId: DEFAULT_POD_TEMPLATE_ID }).then((r) => r.pod!);
  const running = async (freelancerId = 'usr_f') => {
    const pod = await provision(freelancerId);
    await service.store.whenSettled();
    return (await client.getPod({ podId: pod.podId })).pod!;
  };

  test('ProvisionPod returns PROVISIONING from a template, then the pod runs and PodProvisioned is published', async () => {
    service.events.clear();
    const pod = await client.provisionPod({ contractId: 'ctr_p', freelancerId: 'usr_f', templateId: 'python', resources: { cpuMillis: 4000 } }).then((r) => r.pod!);
    assert.equal(pod.status, PodStatus.PROVISIONING);
    assert.equal(pod.image, POD_TEMPLATES.python!.image);
    assert.deepEqual([pod.resources?.cpuMillis, pod.resources?.memoryMib], [4000, POD_TEMPLATES.python!.resources.memoryMib]);
    await service.store.whenSettled();
    const ready = (await client.getPod({ podId: pod.podId })).pod!;
    assert.equal(ready.status, PodStatus.RUNNING);
    assert.match(ready.endpointUrl, new RegExp(pod.podId));
    const [event] = service.events.events;
    assert.deepEqual([event?.channel, event?.aggregateId], [EventChannels.SKILLPODS, pod.podId]);
    assert.equal(service.events.ofType(PodProvisionedSchema)[0]?.endpointUrl, ready.endpointUrl);
    await rejectsWith(client.provisionPod({ contractId: 'ctr_p', freelancerId: 'usr_f', templateId: 'python' }), Code.AlreadyExists);
    await rejectsWith(client.provisionPod({ contractId: 'ctr_q', freelancerId: 'usr_f', templateId: 'no-such-template' }), Code.InvalidArgument);
    await rejectsWith(client.getPod({ podId: 'pod_missing' }), Code.NotFound);
  });

  test('a provisioner failure leaves the pod FAILED, without PodProvisioned', async () => {
    const store = new SkillpodStore();
    const events = createInMemoryEventPublisher();
    const provisioner = () => Promise.reject(new Error('no capacity'));
    const served = await serveImplementation(SkillpodService, createSkillpodService({ store, events, provisioner }));
    try {
      const { pod } = await served.client.provisionPod({ contractId: 'c', freelancerId: 'f', templateId: DEFAULT_POD_TEMPLATE_ID });
      await store.whenSettled();
      const failed = (await served.client.getPod({ podId: pod!.podId })).pod!;
      assert.deepEqual([failed.status, failed.error], [PodStatus.FAILED, 'no capacity']);
      assert.equal(events.events.length, 0);
      assert.equal(store.counters.get('podsFailed'), 1);
      await rejectsWith(served.client.startSession({ podId: failed.podId, userId: 'f' }), Code.FailedPrecondition);
    } finally {
      await served.close();
    }
  });

  test('sessions: StartSession needs a RUNNING pod; EndSession is idempotent and reports the duration', async () => {
    const pod = await running();
    // A pod still coming up, put in the store directly so no provisioner races the assertion.
    const provisioning = create(PodSchema, { ...pod, podId: 'pod_coming_up', status: PodStatus.PROVISIONING, endpointUrl: '' });
    service.store.pods.set(provisioning.podId, provisioning);
    await rejectsWith(client.startSession({ podId: provisioning.podId, userId: 'usr_f' }), Code.FailedPrecondition, 'INVALID_STATE');
    service.events.clear();
    const session = (await client.startSession({ podId: pod.podId, userId: 'usr_f' })).session!;
    assert.equal(session.status, SessionStatus.ACTIVE);
    assert.equal(service.events.ofType(SessionStartedSchema)[0]?.sessionId, session.sessionId);
    const ended = (await client.endSession({ sessionId: session.sessionId })).session!;
    await client.endSession({ sessionId: session.sessionId });
    assert.equal(ended.status, SessionStatus.ENDED);
    const endedEvents = service.events.ofType(SessionEndedSchema);
    assert.equal(endedEvents.length, 1);
    assert.ok(durationMs(endedEvents[0]!.duration!) >= 0);
    assert.deepEqual(eventTypes(service.events), ['SessionStarted', 'SessionEnded']);
    await rejectsWith(client.endSession({ sessionId: 'ses_missing' }), Code.NotFound);
    await rejectsWith(client.startSession({ podId: 'pod_missing', userId: 'u' }), Code.NotFound);
    await service.store.whenSettled();
  });

  test('TerminatePod ends open sessions, publishes once, and a terminated pod cannot start a session', async () => {
    const pod = await running();
    const session = (await client.startSession({ podId: pod.podId, userId: 'usr_f' })).session!;
    service.events.clear();
    const before = service.store.counters.snapshot();
    const terminated = (await client.terminatePod({ podId: pod.podId, reason: 'contract cancelled' })).pod!;
    await client.terminatePod({ podId: pod.podId, reason: 'contract cancelled' });
    assert.equal(terminated.status, PodStatus.TERMINATED);
    assert.ok(terminated.terminatedAt);
    assert.deepEqual(eventTypes(service.events), ['SessionEnded', 'PodTerminated']);
    assert.equal(service.events.ofType(PodTerminatedSchema)[0]?.reason, 'contract cancelled');
    assert.equal((await client.endSession({ sessionId: session.sessionId })).session?.status, SessionStatus.ENDED);
    assert.equal(service.store.counters.get('podsTerminated'), before.podsTerminated + 1);
    assert.equal(service.store.counters.get('sessionsEnded'), before.sessionsEnded + 1);
    await rejectsWith(client.startSession({ podId: pod.podId, userId: 'usr_f' }), Code.FailedPrecondition);
    await rejectsWith(client.terminatePod({ podId: 'pod_missing' }), Code.NotFound);
    // A new pod may be provisioned for the contract once the old one is gone.
    await client.provisionPod({ contractId: pod.contractId, freelancerId: 'usr_f', templateId: 'node' });
    await service.store.whenSettled();
  });

  test('terminating a pod while it provisions wins: it never becomes RUNNING', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const store = new SkillpodStore();
    const events = createInMemoryEventPublisher();
    const provisioner = async () => {
      await gate;
      return { endpointUrl: 'https://pods.example/late' };
    };
    const served = await serveImplementation(SkillpodService, createSkillpodService({ store, events, provisioner }));
    try {
      const { pod } = await served.client.provisionPod({ contractId: 'c', freelancerId: 'f', templateId: DEFAULT_POD_TEMPLATE_ID });
      await served.client.terminatePod({ podId: pod!.podId });
      finish();
      await store.whenSettled();
      assert.equal((await served.client.getPod({ podId: pod!.podId })).pod?.status, PodStatus.TERMINATED);
      assert.deepEqual(eventTypes(events), ['PodTerminated']);
      assert.equal(store.counters.get('podsProvisioned'), 0);
    } finally {
      await served.close();
    }
  });

  test('ListPods lists one owner newest first, filters by status, and pages', async () => {
    const owner = 'usr_lister';
    const pods = [await running(owner), await running(owner), await running(owner)];
    await client.terminatePod({ podId: pods[0]!.podId });
    const page1 = await client.listPods({ freelancerId: owner, pageSize: 2 });
    const page2 = await client.listPods({ freelancerId: owner, pageSize: 2, pageToken: page1.nextPageToken });
    assert.deepEqual([...page1.pods, ...page2.pods].map((pod) => pod.podId), pods.map((pod) => pod.podId).reverse());
    assert.equal(page2.nextPageToken, '');
    const live = await client.listPods({ freelancerId: owner, status: PodStatus.RUNNING });
    assert.deepEqual(live.pods.map((pod) => pod.podId), [pods[2]!.podId, pods[1]!.podId]);
    await rejectsWith(client.listPods({ freelancerId: owner, status: PodStatus.RUNNING, pageToken: page1.nextPageToken }), Code.InvalidArgument);
  });
});
