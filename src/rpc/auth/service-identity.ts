import { createContextKey, type ContextValues } from '@connectrpc/connect';

/** ServiceIdentity is the calling service as the server authenticated it; the end user travels separately, in the RequestContext. */
export interface ServiceIdentity {
  /** service is the calling service's name. */
  readonly service: string;
  /** via says what proved it: a signed service token or the client certificate of a mutual-TLS connection. */
  readonly via: 'token' | 'certificate';
}

/** serviceIdentityKey holds the ServiceIdentity in a call's context values (`context.values` in a handler). */
export const serviceIdentityKey = createContextKey<ServiceIdentity | undefined>(undefined, { description: 'mesh: calling service' });

/** serviceIdentityOf returns the calling service of a call, undefined when it was not authenticated (open methods, no service auth). */
export function serviceIdentityOf(values: ContextValues): ServiceIdentity | undefined {
  return values.get(serviceIdentityKey);
}
