export { createContext, getContext, getContextDeadline, newSpanId, newTraceId, resolveContext, runWithContext, type RequestContext } from './request-context.js';
export {
  ContextHeaders,
  formatTraceparent,
  parseTraceparent,
  readContextHeaders,
  writeContextHeaders,
  type HeaderReader,
  type HeaderWriter,
} from './context-headers.js';
export { activeContext, contextStorage, REQUEST_CONTEXT_KEY } from './context-storage.js';
export { MeshContextManager } from './mesh-context-manager.js';
