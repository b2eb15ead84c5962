import type { IncomingHttpHeaders } from 'node:http2';

/**
 * appendNodeHeaders appends node's parsed HTTP/2 headers (or trailers) to a
 * fetch `Headers`, as connect-node's nodeHeaderToWebHeader does, without its
 * entries array: pseudo-headers left out, every value of a repeated header
 * appended. Client responses and server requests both go through it.
 */
export function appendNodeHeaders(target: Headers, headers: IncomingHttpHeaders): Headers {
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) target.append(name, item);
    else target.append(name, typeof value === 'string' ? value : String(value));
  }
  return target;
}
