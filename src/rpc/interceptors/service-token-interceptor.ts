import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { SERVICE_TOKEN_HEADER } from '../auth/service-token.js';
import type { ServiceTokenSigner } from '../auth/service-token-signer.js';

/** ServiceTokenInterceptorOptions configure createServiceTokenInterceptor. */
export interface ServiceTokenInterceptorOptions {
  /** signer signs (and caches) this service's tokens. */
  signer: ServiceTokenSigner;
  /**
   * audience names the called service in the token; the server must expect the same name.
   * @defaultValue the service's full name, e.g. "billing.v1.BillingService"
   */
  audience?: (service: DescService) => string;
}

/**
 * createServiceTokenInterceptor returns a client interceptor that puts the
 * calling service's signed token on every call, in SERVICE_TOKEN_HEADER,
 * beside (not instead of) the end user's `authorization`. Tokens come from
 * the signer's cache, so a call costs a map lookup, not a signature.
 */
export function createServiceTokenInterceptor(options: ServiceTokenInterceptorOptions): Interceptor {
  const audienceOf = options.audience ?? ((service: DescService) => service.typeName);
  return (next) => async (req) => {
    let token: string;
    try {
      token = await options.signer.token(audienceOf(req.service));
    } catch (error) {
      throw new ConnectError(`service token for ${req.service.typeName} could not be signed`, Code.Unauthenticated, undefined, undefined, error);
    }
    req.header.set(SERVICE_TOKEN_HEADER, token);
    return next(req);
  };
}
