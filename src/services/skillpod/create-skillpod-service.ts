import { create } from '@bufbuild/protobuf';
import { durationFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import { PodResourcesSchema, PodSchema, PodStatus, type Pod, type PodResources } from '../../../gen/skillpod/v1/pod_pb.js';
import { SessionSchema, SessionStatus, type Session } from '../../../gen/skillpod/v1/session_pb.js';
import { PodProvisionedSchema, PodTerminatedSchema, SessionEndedSchema, SessionStartedSchema } from '../../../gen/skillpod/v1/skillpod_events_pb.js';
import { SkillpodService } from '../../../gen/skillpod/v1/skillpod_service_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import type { EventPublisher } from '../../events/event-publisher.js';
import { createServicePublisher } from '../shared/service-publisher.js';
import { nowTimestamp, systemClock, type Clock } from '../shared/clock.js';
import { newId } from '../shared/new-id.js';
import { paginate } from '../shared/page-token.js';
import type { ServiceDependencies } from '../shared/service-dependencies.js';
import { alreadyExists, ErrorReasons, failedPrecondition, invalidArgument, mustFind } from '../shared/service-errors.js';
import { createInMemoryPodProvisioner, type PodProvisioner } from './pod-provisioner.js';
import { POD_TEMPLATES } from './pod-templates.js';
import { SkillpodStore } from './skillpod-store.js';

/** SKILLPOD_DOMAIN is the ErrorInfo domain of the skillpod service's errors. */
export const SKILLPOD_DOMAIN = 'skillpod';

/** SkillpodServiceDependencies add the provisioner to the common dependencies. */
export interface SkillpodServiceDependencies extends ServiceDependencies<SkillpodStore> {
  /**
   * provisioner brings pods up in the background after ProvisionPod returns.
   * @defaultValue createInMemoryPodProvisioner()
   */
  provisioner?: PodProvisioner;
}

// A zero in an override keeps the template's value: no pod runs on 0 CPU or 0 MiB.
function mergeResources(defaults: PodResources, override: PodResources | undefined): PodResources {
  return create(PodResourcesSchema, {
    cpuMillis: override?.cpuMillis || defaults.cpuMillis,
    memoryMib: override?.memoryMib || defaults.memoryMib,
    diskGib: override?.diskGib || defaults.diskGib,
    gpuCount: override?.gpuCount || defaults.gpuCount,
  });
}

async function endSession(events: EventPublisher, clock: Clock, session: Session): Promise<Session> {
  const endedAt = nowTimestamp(clock);
  const startedMs = session.startedAt ? timestampMs(session.startedAt) : timestampMs(endedAt);
  const duration = durationFromMs(Math.max(0, timestampMs(endedAt) - startedMs));
  const ended = create(SessionSchema, { ...session, status: SessionStatus.ENDED, endedAt });
  const event = create(SessionEndedSchema, { sessionId: session.sessionId, podId: session.podId, userId: session.userId, startedAt: session.startedAt, endedAt, duration });
  await events.publish(EventChannels.SKILLPODS, SessionEndedSchema, event, { aggregateId: session.sessionId, aggregateType: 'session' });
  return ended;
}

/**
 * createSkillpodService implements SkillpodService over a SkillpodStore:
 * pods from templates, provisioned in the background (PROVISIONING, then
 * RUNNING with PodProvisioned, or FAILED), terminated with their sessions,
 * each change published on the SKILLPODS channel.
 */
export function createSkillpodService(deps: SkillpodServiceDependencies): ServiceImpl<typeof SkillpodService> {
  const store = deps.store ?? new SkillpodStore();
  const clock = deps.clock ?? systemClock;
  const provisioner = deps.provisioner ?? createInMemoryPodProvisioner();
  const events = createServicePublisher(deps.events, clock);

  const getPod = (podId: string): Pod => mustFind(store.pods, podId, SKILLPOD_DOMAIN, 'pod');

  async function finishProvisioning(podId: string): Promise<void> {
    let outcome: { endpointUrl: string } | { error: string };
    try {
      outcome = await provisioner(getPod(podId));
    } catch (error) {
      outcome = { error: error instanceof Error ? error.message : String(error) };
    }
    await store.mutex.runExclusive(async () => {
      const pod = getPod(podId);
      // Terminated while it was coming up: the cleanup already happened.
      if (pod.status !== PodStatus.PROVISIONING) return;
      if ('error' in outcome) {
        store.pods.set(podId, create(PodSchema, { ...pod, status: PodStatus.FAILED, error: outcome.error }));
        store.counters.increment('podsFailed');
        return;
      }
      const running = create(PodSchema, { ...pod, status: PodStatus.RUNNING, endpointUrl: outcome.endpointUrl });
      const event = create(PodProvisionedSchema, {
        podId,
        contractId: pod.contractId,
        freelancerId: pod.freelancerId,
        templateId: pod.templateId,
        endpointUrl: outcome.endpointUrl,
        provisionedAt: nowTimestamp(clock),
      });
      try {
        await events.publish(EventChannels.SKILLPODS, PodProvisionedSchema, event, { aggregateId: podId, aggregateType: 'pod' });
      } catch (error) {
        // Nobody would hear that the pod runs, so it must not run unannounced.
        store.pods.set(podId, create(PodSchema, { ...pod, status: PodStatus.FAILED, error: `PodProvisioned not published: ${String(error)}` }));
        store.counters.increment('podsFailed');
        return;
      }
      store.pods.set(podId, running);
      store.counters.increment('podsProvisioned');
    });
  }

  return {
    provisionPod(request) {
      return store.mutex.runExclusive(() => {
        const template = POD_TEMPLATES[request.templateId];
        if (!template) throw invalidArgument('template_id', 'template', `unknown template; known: ${Object.keys(POD_TEMPLATES).join(', ')}`);
        const live = store.livePodOfContract(request.contractId);
        if (live) throw alreadyExists(SKILLPOD_DOMAIN, `contract ${request.contractId} already has pod ${live.podId}`, { pod_id: live.podId });
        const pod = create(PodSchema, {
          podId: newId('pod'),
          contractId: request.contractId,
          freelancerId: request.freelancerId,
          templateId: request.templateId,
          image: request.image || template.image,
          resources: mergeResources(template.resources, request.resources),
          status: PodStatus.PROVISIONING,
          createdAt: nowTimestamp(clock),
        });
        store.pods.set(pod.podId, pod);
        store.counters.increment('podsRequested');
        const settled = finishProvisioning(pod.podId).finally(() => store.provisioning.delete(pod.podId));
        store.provisioning.set(pod.podId, settled);
        return { pod };
      });
    },

    getPod(request) {
      return { pod: getPod(request.podId) };
    },

    terminatePod(request) {
      return store.mutex.runExclusive(async () => {
        const pod = getPod(request.podId);
        if (pod.status === PodStatus.TERMINATED) return { pod };
        const ended = [];
        for (const session of store.activeSessionsOfPod(pod.podId)) ended.push(await endSession(events, clock, session));
        const terminatedAt = nowTimestamp(clock);
        const terminated = create(PodSchema, { ...pod, status: PodStatus.TERMINATED, terminatedAt });
        const event = create(PodTerminatedSchema, { podId: pod.podId, contractId: pod.contractId, freelancerId: pod.freelancerId, reason: request.reason, terminatedAt });
        await events.publish(EventChannels.SKILLPODS, PodTerminatedSchema, event, { aggregateId: pod.podId, aggregateType: 'pod' });
        for (const session of ended) store.sessions.set(session.sessionId, session);
        store.counters.increment('sessionsEnded', ended.length);
        store.pods.set(pod.podId, terminated);
        store.counters.increment('podsTerminated');
        return { pod: terminated };
      });
    },

    listPods(request) {
      const pods = [...store.pods.values()]
        .reverse()
        .filter((pod) => pod.freelancerId === request.freelancerId && (request.status === PodStatus.UNSPECIFIED || pod.status === request.status));
      const page = paginate(pods, request, { filter: { freelancerId: request.freelancerId, status: request.status }, idOf: (pod) => pod.podId });
      return { pods: page.items, nextPageToken: page.nextPageToken };
    },

    startSession(request) {
      return store.mutex.runExclusive(async () => {
        const pod = getPod(request.podId);
        if (pod.status !== PodStatus.RUNNING) {
          throw failedPrecondition(SKILLPOD_DOMAIN, ErrorReasons.INVALID_STATE, `pod ${pod.podId} is ${PodStatus[pod.status]}, not RUNNING`, {
            pod_id: pod.podId,
            status: PodStatus[pod.status],
          });
        }
        const startedAt = nowTimestamp(clock);
        const session = create(SessionSchema, { sessionId: newId('ses'), podId: pod.podId, userId: request.userId, status: SessionStatus.ACTIVE, startedAt });
        const event = create(SessionStartedSchema, { sessionId: session.sessionId, podId: pod.podId, userId: request.userId, startedAt });
        await events.publish(EventChannels.SKILLPODS, SessionStartedSchema, event, { aggregateId: session.sessionId, aggregateType: 'session' });
        store.sessions.set(session.sessionId, session);
        store.counters.increment('sessionsStarted');
        return { session };
      });
    },

    endSession(request) {
      return store.mutex.runExclusive(async () => {
        const session = mustFind(store.sessions, request.sessionId, SKILLPOD_DOMAIN, 'session');
        if (session.status === SessionStatus.ENDED) return { session };
        const ended = await endSession(events, clock, session);
        store.sessions.set(session.sessionId, ended);
        store.counters.increment('sessionsEnded');
        return { session: ended };
      });
    },
  };
}
