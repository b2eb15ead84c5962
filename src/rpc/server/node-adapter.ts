import { Code, ConnectError, createConnectRouter } from '@connectrpc/connect';
import { uResponseNotFound, type UniversalHandler } from '@connectrpc/connect/protocol';
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
  type ConnectNodeAdapterOptions,
} from '@connectrpc/connect-node';
import { universalRequestFromHttp2Request } from './http2-universal-request.js';
import type { RequestListener } from './trailers-only.js';

/** HandlerWrapper decorates the universal handler of one procedure. */
export type HandlerWrapper = (handler: UniversalHandler) => UniversalHandler;

/**
 * createNodeAdapter is connect-node's `connectNodeAdapter` with one addition:
 * every procedure's universal handler goes through `wrap`, which sees the
 * protocol-level response before it is written (connect-node offers no such
 * hook, and interceptors run only after a unary request was parsed). HTTP/2
 * requests become universal requests through universalRequestFromHttp2Request,
 * which saves a DOMException per call.
 */
export function createNodeAdapter(options: ConnectNodeAdapterOptions, wrap: HandlerWrapper): RequestListener {
  const router = createConnectRouter({ ...options, acceptCompression: options.acceptCompression ?? [compressionGzip, compressionBrotli] });
  options.routes(router);
  const prefix = options.requestPathPrefix ?? '';
  const paths = new Map<string, UniversalHandler>();
  for (const handler of router.handlers) paths.set(prefix + handler.requestPath, wrap(handler));
  const fallback = options.fallback ?? ((_request, response) => {
    response.writeHead(uResponseNotFound.status);
    response.end();
  });
  return (request, response) => {
    // Matched without the query string, as connect-node does.
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const handler = paths.get(query === -1 ? url : url.slice(0, query));
    if (!handler) {
      fallback(request, response);
      return;
    }
    const values = options.contextValues?.(request);
    const universal =
      'stream' in request ? universalRequestFromHttp2Request(request, values) : universalRequestFromNodeRequest(request, response, undefined, values);
    handler(universal)
      .then((result) => universalResponseToNodeResponse(result, response))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        console.error(`handler for rpc ${handler.method.name} of ${handler.service.typeName} failed`, reason);
      });
  };
}
