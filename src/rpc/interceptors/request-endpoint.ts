import type { DescMethod, DescService } from '@bufbuild/protobuf';

/**
 * endpointOfRequest returns the base URL a request goes to: its URL without the
 * `/<service>/<method>` suffix connect-es appended to the transport's base URL.
 */
export function endpointOfRequest(req: { url: string; service: DescService; method: DescMethod }): string {
  const suffix = `/${req.service.typeName}/${req.method.name}`;
  return req.url.endsWith(suffix) ? req.url.slice(0, -suffix.length) : new URL(req.url).origin;
}

/** normalizeBaseUrl drops trailing slashes so that base URLs compare equal however they were written. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '');
}
