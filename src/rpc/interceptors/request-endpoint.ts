import type { DescMethod, DescService } from '@bufbuild/protobuf';

/** MAX_REMEMBERED_REQUEST_URLS bounds the request URLs endpointOfRequest remembers; past it, it starts over. */
export const MAX_REMEMBERED_REQUEST_URLS = 1024;

const endpoints = new Map<string, { readonly method: DescMethod; readonly endpoint: string }>();

/**
 * endpointOfRequest returns the base URL a request goes to: its URL without the
 * `/<service>/<method>` suffix connect-es appended to the transport's base URL.
 */
export function endpointOfRequest(req: { url: string; service: DescService; method: DescMethod }): string {
  // A client calls a fixed set of URLs (endpoints times methods): each is cut
  // apart once, not on every call.
  const known = endpoints.get(req.url);
  if (known !== undefined && known.method === req.method) return known.endpoint;
  const suffix = `/${req.service.typeName}/${req.method.name}`;
  const endpoint = req.url.endsWith(suffix) ? req.url.slice(0, -suffix.length) : new URL(req.url).origin;
  if (endpoints.size >= MAX_REMEMBERED_REQUEST_URLS) endpoints.clear();
  endpoints.set(req.url, { method: req.method, endpoint });
  return endpoint;
}

/** normalizeBaseUrl drops trailing slashes so that base URLs compare equal however they were written. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '');
}
