import { getAbortSignalReason } from '@connectrpc/connect/protocol';

/** LinkedAbort is an AbortController that follows an outer signal until unlinked. */
export interface LinkedAbort {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** unlink stops following the outer signal. */
  unlink(): void;
}

/**
 * linkAbortSignal returns a controller whose signal aborts, with the same
 * reason, when `outer` does, until `unlink()`. Unlike connect-es's
 * createLinkedAbortController the link can be cut when a call has ended, so
 * the abort connect-es sends every finished call (to free listeners) does not
 * cascade through each interceptor's signal: signals and abort events are a
 * large part of what the interceptors cost.
 */
export function linkAbortSignal(outer: AbortSignal): LinkedAbort {
  const controller = new AbortController();
  if (outer.aborted) {
    controller.abort(getAbortSignalReason(outer));
    return { controller, signal: controller.signal, unlink: () => {} };
  }
  const follow = () => controller.abort(getAbortSignalReason(outer));
  outer.addEventListener('abort', follow, { once: true });
  return { controller, signal: controller.signal, unlink: () => outer.removeEventListener('abort', follow) };
}
