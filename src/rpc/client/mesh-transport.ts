import type { Interceptor, Transport } from '@connectrpc/connect';
import { validateReadWriteMaxBytes, type UniversalClientFn } from '@connectrpc/connect/protocol';
import { createTransport as createConnectProtocolTransport } from '@connectrpc/connect/protocol-connect';
import { createTransport as createGrpcProtocolTransport } from '@connectrpc/connect/protocol-grpc';
import { createTransport as createGrpcWebProtocolTransport } from '@connectrpc/connect/protocol-grpc-web';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';

/** RpcProtocol is the wire protocol a client speaks. */
export type RpcProtocol = 'connect' | 'grpc' | 'grpc-web';

/** MeshTransportOptions configures createMeshTransport. */
export interface MeshTransportOptions {
  protocol: RpcProtocol;
  /** Base URL connect-es builds request URLs from; a balancer may rewrite them per call. */
  baseUrl: string;
  /** HTTP client that serves every origin the interceptors may send to. */
  httpClient: UniversalClientFn;
  interceptors: Interceptor[];
  /** Send JSON instead of binary protobuf (Connect and gRPC-Web only). */
  useJson?: boolean;
}

/**
 * createMeshTransport returns a connect-es transport for `protocol` over the
 * given HTTP client. It uses connect-es's protocol transports directly rather
 * than connect-node's factories because those bind the HTTP client to a
 * single origin, while a balanced client needs one client for several.
 */
export function createMeshTransport(options: MeshTransportOptions): Transport {
  const common = {
    baseUrl: options.baseUrl,
    httpClient: options.httpClient,
    interceptors: options.interceptors,
    useBinaryFormat: options.protocol === 'grpc' ? true : !options.useJson,
    acceptCompression: [compressionGzip, compressionBrotli],
    sendCompression: null,
    ...validateReadWriteMaxBytes(undefined, undefined, undefined),
  };
  switch (options.protocol) {
    case 'connect':
      return createConnectProtocolTransport(common);
    case 'grpc':
      return createGrpcProtocolTransport(common);
    case 'grpc-web':
      return createGrpcWebProtocolTransport(common);
    default:
      throw new RangeError(`protocol must be 'connect', 'grpc' or 'grpc-web', got ${String(options.protocol satisfies never)}`);
  }
}
