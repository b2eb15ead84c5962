import { PodStatus, type Pod } from '../../../gen/skillpod/v1/pod_pb.js';
import { SessionStatus, type Session } from '../../../gen/skillpod/v1/session_pb.js';
import { EffectCounters } from '../shared/effect-counters.js';
import { Mutex } from '../shared/mutex.js';

/** SKILLPOD_EFFECTS names the skillpod store's effect counters. */
export const SKILLPOD_EFFECTS = ['podsRequested', 'podsProvisioned', 'podsFailed', 'podsTerminated', 'sessionsStarted', 'sessionsEnded'] as const;

/** SkillpodEffect is one of SKILLPOD_EFFECTS. */
export type SkillpodEffect = (typeof SKILLPOD_EFFECTS)[number];

/** SkillpodStore keeps pods and sessions in memory, in insertion order; records are replaced, never mutated. */
export class SkillpodStore {
  readonly pods = new Map<string, Pod>();
  readonly sessions = new Map<string, Session>();
  readonly counters = new EffectCounters<SkillpodEffect>(SKILLPOD_EFFECTS);
  /** mutex serializes mutations (see Mutex). */
  readonly mutex = new Mutex();
  /** provisioning holds the background provisioning of each pod until it settles; tests await it. */
  readonly provisioning = new Map<string, Promise<void>>();

  /** livePodOfContract returns the contract's pod unless it is terminated or failed. */
  livePodOfContract(contractId: string): Pod | undefined {
    return [...this.pods.values()].find(
      (pod) => pod.contractId === contractId && pod.status !== PodStatus.TERMINATED && pod.status !== PodStatus.FAILED,
    );
  }

  /** activeSessionsOfPod returns a pod's sessions that have not ended. */
  activeSessionsOfPod(podId: string): Session[] {
    return [...this.sessions.values()].filter((session) => session.podId === podId && session.status === SessionStatus.ACTIVE);
  }

  /** whenSettled resolves once every background provisioning started so far has finished. */
  async whenSettled(): Promise<void> {
    await Promise.all(this.provisioning.values());
  }
}
