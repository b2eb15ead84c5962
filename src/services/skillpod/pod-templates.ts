import { create } from '@bufbuild/protobuf';
import { PodResourcesSchema, type PodResources } from '../../../gen/skillpod/v1/pod_pb.js';

/** PodTemplate is a prepared environment: its image and default resources. */
export interface PodTemplate {
  image: string;
  resources: PodResources;
}

/** DEFAULT_POD_TEMPLATE_ID names the template to use when nothing more specific fits. */
export const DEFAULT_POD_TEMPLATE_ID = 'standard';

const resources = (cpuMillis: number, memoryMib: number, diskGib: number, gpuCount = 0) =>
  create(PodResourcesSchema, { cpuMillis, memoryMib, diskGib, gpuCount });

/** POD_TEMPLATES are the templates ProvisionPod accepts; any other template_id is INVALID_ARGUMENT. */
export const POD_TEMPLATES: Readonly<Record<string, PodTemplate>> = {
  [DEFAULT_POD_TEMPLATE_ID]: { image: 'ghcr.io/skillpod/standard:2026.11', resources: resources(2000, 4096, 20) },
  node: { image: 'ghcr.io/skillpod/node:20', resources: resources(2000, 4096, 20) },
  python: { image: 'ghcr.io/skillpod/python:3.12', resources: resources(2000, 8192, 40) },
  gpu: { image: 'ghcr.io/skillpod/cuda:12', resources: resources(8000, 32768, 100, 1) },
};
