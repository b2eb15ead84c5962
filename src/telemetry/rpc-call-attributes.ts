import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import type { Attributes } from '@opentelemetry/api';
import { RpcAttributes } from './semantic-attributes.js';

/** RpcSystem is the `rpc.system` value of a call: Connect (and gRPC-Web) or gRPC. */
export type RpcSystem = 'connect_rpc' | 'grpc';

/** rpcSystemOf tells the protocol of a call from its content type (gRPC-Web counts as gRPC). */
export function rpcSystemOf(header: Headers): RpcSystem {
  return header.get('content-type')?.startsWith('application/grpc') ? 'grpc' : 'connect_rpc';
}

/** codeName returns a Code's name in the wire form (`UNAVAILABLE`), `OK` for success. */
export function codeName(code: Code | undefined): string {
  return code === undefined ? 'OK' : Code[code].replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** connectErrorCode returns a Code as Connect writes it on the wire (`deadline_exceeded`). */
export function connectErrorCode(code: Code): string {
  return codeName(code).toLowerCase();
}

// Attributes are made on every call: they are cached (and frozen, since
// callers share them) per method, per code and per endpoint.
const callCache = new WeakMap<DescMethod, Partial<Record<RpcSystem, Attributes>>>();
const statusCache = new Map<string, Attributes>();
const metricCache = new WeakMap<Attributes, Map<Code | undefined, Attributes>>();
const addressCache = new Map<string, Attributes>();
const spanStartCache = new WeakMap<Attributes, WeakMap<Attributes, Attributes>>();
let lastAddress: { url: string; attributes: Attributes } = { url: '', attributes: {} };
/** MAX_CACHED_ADDRESSES bounds the endpoint cache; past it, it starts over. */
export const MAX_CACHED_ADDRESSES = 256;

/** rpcCallAttributes returns the attributes that name a call: system, service, method. */
export function rpcCallAttributes(system: RpcSystem, service: DescService, method: DescMethod): Attributes {
  let bySystem = callCache.get(method);
  if (!bySystem) callCache.set(method, (bySystem = {}));
  return (bySystem[system] ??= Object.freeze({
    [RpcAttributes.SYSTEM]: system,
    [RpcAttributes.SERVICE]: service.typeName,
    [RpcAttributes.METHOD]: method.name,
  }));
}

const spanNameCache = new WeakMap<DescMethod, string>();

/** rpcSpanName returns the span name of a call, `package.Service/Method`, made once per method. */
export function rpcSpanName(service: DescService, method: DescMethod): string {
  let name = spanNameCache.get(method);
  if (name === undefined) spanNameCache.set(method, (name = `${service.typeName}/${method.name}`));
  return name;
}

/** rpcStatusAttributes returns the attributes of a call's outcome; `code` is undefined for success. */
export function rpcStatusAttributes(system: RpcSystem, code: Code | undefined): Attributes {
  const key = `${system}:${code ?? ''}`;
  let attributes = statusCache.get(key);
  if (!attributes) {
    const made: Attributes = { [RpcAttributes.RESPONSE_STATUS_CODE]: codeName(code) };
    if (system === 'grpc') made[RpcAttributes.GRPC_STATUS_CODE] = code ?? 0;
    else if (code !== undefined) made[RpcAttributes.CONNECT_RPC_ERROR_CODE] = connectErrorCode(code);
    if (code !== undefined) made[RpcAttributes.ERROR_TYPE] = codeName(code);
    statusCache.set(key, (attributes = Object.freeze(made)));
  }
  return attributes;
}

/** rpcMetricAttributes returns the labels of a call's duration: its call attributes and `rpc.response.status_code`. */
export function rpcMetricAttributes(callAttributes: Attributes, code: Code | undefined): Attributes {
  let byCode = metricCache.get(callAttributes);
  if (!byCode) metricCache.set(callAttributes, (byCode = new Map()));
  let attributes = byCode.get(code);
  if (!attributes) {
    attributes = Object.freeze({ ...callAttributes, [RpcAttributes.RESPONSE_STATUS_CODE]: codeName(code) });
    byCode.set(code, attributes);
  }
  return attributes;
}

/** serverAddressAttributes returns `server.address` and `server.port` of a URL (empty when it does not parse). */
export function serverAddressAttributes(url: string): Attributes {
  // Most calls of a process go to the URL of the call before.
  if (url === lastAddress.url) return lastAddress.attributes;
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  const origin = slash < 0 ? url : url.slice(0, slash);
  let attributes = addressCache.get(origin);
  if (!attributes) {
    attributes = Object.freeze(parseAddress(url));
    if (addressCache.size >= MAX_CACHED_ADDRESSES) addressCache.clear();
    addressCache.set(origin, attributes);
  }
  lastAddress = { url, attributes };
  return attributes;
}

/** rpcSpanStartAttributes returns a call's attributes and its server address together, made once per method and endpoint. */
export function rpcSpanStartAttributes(callAttributes: Attributes, url: string): Attributes {
  const address = serverAddressAttributes(url);
  let byAddress = spanStartCache.get(callAttributes);
  if (!byAddress) spanStartCache.set(callAttributes, (byAddress = new WeakMap()));
  let attributes = byAddress.get(address);
  if (!attributes) byAddress.set(address, (attributes = Object.freeze({ ...callAttributes, ...address })));
  return attributes;
}

function parseAddress(url: string): Attributes {
  try {
    const parsed = new URL(url);
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
    return { [RpcAttributes.SERVER_ADDRESS]: parsed.hostname.replace(/^\[|\]$/g, ''), [RpcAttributes.SERVER_PORT]: port };
  } catch {
    return {};
  }
}
