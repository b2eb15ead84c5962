import type { DescService } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import { createMeshClient, type ServiceClientOptions } from './create-mesh-client.js';

/**
 * createServiceClient turns a generated service into a typed Connect client
 * behind the toolkit's interceptors (see createMeshClient for their order).
 * Use createMeshClient instead when the breakers, the retry budget or
 * `close()` are needed.
 */
export function createServiceClient<S extends DescService>(service: S, options: ServiceClientOptions): Client<S> {
  return createMeshClient(service, options).client;
}
