export { createDescriptorIndex, type DescriptorIndex } from './descriptor-index.js';
export { createReflectionService } from './reflection-service.js';
export { reflectionV1AlphaService } from './reflection-v1alpha.js';
