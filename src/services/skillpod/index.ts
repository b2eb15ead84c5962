export { SKILLPOD_EFFECTS, SkillpodStore, type SkillpodEffect } from './skillpod-store.js';
export { SKILLPOD_DOMAIN, createSkillpodService, type SkillpodServiceDependencies } from './create-skillpod-service.js';
export { DEFAULT_POD_TEMPLATE_ID, POD_TEMPLATES, type PodTemplate } from './pod-templates.js';
export {
  DEFAULT_POD_ENDPOINT_BASE,
  DEFAULT_PROVISIONING_DELAY_MS,
  createInMemoryPodProvisioner,
  type PodProvisioner,
} from './pod-provisioner.js';
