export { createContextInterceptor } from './context-interceptor.js';
export {
  createErrorInterceptor,
  INTERNAL_ERROR_MESSAGE,
  logUnexpectedError,
  type ErrorInterceptorOptions,
  type UnexpectedErrorInfo,
} from './error-interceptor.js';
export { incomingCallKey, incomingCallValues, nodeHeaderReader, parseCallTimeout, type IncomingCall } from './incoming-call.js';
export { createUnparsableRequestInterceptor } from './unparsable-request-interceptor.js';
export { assertValid, createValidationInterceptor } from './validation-interceptor.js';
export { createServiceAuthInterceptor, type ServiceAuthLogger, type ServiceAuthOptions } from './service-auth-interceptor.js';
export { tlsPeerOf, type NodeRequestLike, type TlsPeer } from './tls-peer.js';
