import { setTimeout as delay } from 'node:timers/promises';
import type { Pod } from '../../../gen/skillpod/v1/pod_pb.js';

/** PodProvisioner brings a PROVISIONING pod up and says where sessions connect; a rejection fails the pod. */
export type PodProvisioner = (pod: Pod) => Promise<{ endpointUrl: string }>;

/** DEFAULT_PROVISIONING_DELAY_MS is how long the in-memory provisioner takes, so callers see PROVISIONING first. */
export const DEFAULT_PROVISIONING_DELAY_MS = 20;

/** DEFAULT_POD_ENDPOINT_BASE is where the in-memory provisioner pretends pods are reachable. */
export const DEFAULT_POD_ENDPOINT_BASE = 'https://pods.skillpod.local';

/** createInMemoryPodProvisioner returns a provisioner that only waits, then reports a made-up endpoint. */
export function createInMemoryPodProvisioner(delayMs = DEFAULT_PROVISIONING_DELAY_MS): PodProvisioner {
  return async (pod) => {
    await delay(delayMs);
    return { endpointUrl: `${DEFAULT_POD_ENDPOINT_BASE}/${pod.podId}` };
  };
}
