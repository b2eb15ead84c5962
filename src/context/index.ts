export { createContext, getContext, getContextDeadline, newSpanId, newTraceId, runWithContext, type RequestContext } from './request-context.js';
export {
  ContextHeaders,
  formatTraceparent,
  parseTraceparent,
  readContextHeaders,
  writeContextHeaders,
  type HeaderReader,
  type HeaderWriter,
} from './context-headers.js';
