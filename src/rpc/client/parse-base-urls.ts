import { normalizeBaseUrl } from '../interceptors/request-endpoint.js';

/**
 * parseBaseUrls turns a base URL, a comma-separated list of them, or an array
 * into a list of distinct normalised base URLs. Throws a TypeError on an empty
 * list or on an entry that is not an http(s) URL.
 */
export function parseBaseUrls(value: string | readonly string[]): string[] {
  const entries = (typeof value === 'string' ? [value] : value).flatMap((entry) => entry.split(','));
  const urls = [...new Set(entries.map(normalizeBaseUrl).filter((entry) => entry !== ''))];
  if (urls.length === 0) throw new TypeError('at least one base URL is required');
  for (const url of urls) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new TypeError(`invalid base URL: ${url}`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new TypeError(`base URL must be http(s): ${url}`);
  }
  return urls;
}
