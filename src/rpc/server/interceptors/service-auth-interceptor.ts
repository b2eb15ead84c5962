import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { logger as meshLogger } from '../../../telemetry/logger.js';
import { DEFAULT_OPEN_SERVICES, isCallerAllowed, type ServiceAccessPolicy } from '../../auth/service-access-policy.js';
import { serviceIdentityKey, type ServiceIdentity } from '../../auth/service-identity.js';
import { SERVICE_TOKEN_HEADER } from '../../auth/service-token.js';
import {
  createServiceTokenVerifier,
  type ServiceTokenVerifier,
  type ServiceTokenVerifierOptions,
} from '../../auth/service-token-verifier.js';
import { incomingCallKey } from './incoming-call.js';

/** ServiceAuthLogger is the one method of a pino logger the interceptor uses. */
export interface ServiceAuthLogger {
  warn(fields: object, message: string): void;
}

/** ServiceAuthOptions configure createServiceAuthInterceptor (and ServerOptions.serviceAuth). */
export interface ServiceAuthOptions {
  /** policy says which calling services may call which methods; a method it does not cover is denied. */
  policy: ServiceAccessPolicy;
  /**
   * tokens verifies service tokens: a verifier, or the options to make one
   * (the callers' public keys). Without it only client certificates can
   * authenticate (see `certificateIdentity`).
   *
   * @defaultValue undefined (no token is accepted)
   */
  tokens?: ServiceTokenVerifier | ServiceTokenVerifierOptions;
  /**
   * certificateIdentity accepts the subject CN of a verified client
   * certificate (mutual TLS) as the calling service when no token came.
   *
   * @defaultValue false
   */
  certificateIdentity?: boolean;
  /**
   * audience is the name tokens must be issued for; it must match the
   * clients' `audience`.
   *
   * @defaultValue the called service's full name, e.g. "billing.v1.BillingService"
   */
  audience?: (service: DescService) => string;
  /**
   * openServices are reachable without authentication.
   *
   * @defaultValue DEFAULT_OPEN_SERVICES (health, reflection)
   */
  openServices?: readonly string[];
  /**
   * logger receives one warning per rejected call: procedure, code, reason
   * and the caller when known; never a token.
   *
   * @defaultValue the toolkit logger
   */
  logger?: ServiceAuthLogger;
}

/**
 * createServiceAuthInterceptor returns a server interceptor that
 * authenticates the calling service, from its signed token (SERVICE_TOKEN_HEADER)
 * or, when allowed, the client certificate of a mutual-TLS connection, and
 * checks it against the policy: Unauthenticated when no valid identity came
 * (missing, malformed, expired, wrong audience, unknown key),
 * PermissionDenied when the caller may not call the method. The identity is
 * put on the call's context values (serviceIdentityKey), apart from the end
 * user's identity, which stays in the RequestContext.
 */
export function createServiceAuthInterceptor(options: ServiceAuthOptions): Interceptor {
  const verifier = options.tokens === undefined ? undefined : 'verify' in options.tokens ? options.tokens : createServiceTokenVerifier(options.tokens);
  const audienceOf = options.audience ?? ((service: DescService) => service.typeName);
  const open = new Set(options.openServices ?? DEFAULT_OPEN_SERVICES);
  const log = options.logger ?? meshLogger.child({ component: 'service-auth' });

  const authenticate = async (token: string | null, audience: string, certificateCaller: string | undefined): Promise<ServiceIdentity> => {
    if (token && verifier) return { service: (await verifier.verify(token, audience)).service, via: 'token' };
    if (token) throw new ConnectError('service tokens are not accepted by this server', Code.Unauthenticated);
    if (certificateCaller) return { service: certificateCaller, via: 'certificate' };
    throw new ConnectError(`missing service token (${SERVICE_TOKEN_HEADER})`, Code.Unauthenticated);
  };

  return (next) => async (request) => {
    const serviceName = request.service.typeName;
    if (open.has(serviceName)) return next(request);
    const procedure = `/${serviceName}/${request.method.name}`;
    const peer = request.contextValues.get(incomingCallKey)?.peer;
    const certificateCaller = options.certificateIdentity && peer?.authorized ? peer.commonName : undefined;
    let identity: ServiceIdentity;
    try {
      identity = await authenticate(request.header.get(SERVICE_TOKEN_HEADER), audienceOf(request.service), certificateCaller);
    } catch (error) {
      const rejection = ConnectError.from(error);
      log.warn({ procedure, code: Code[rejection.code], reason: rejection.rawMessage }, 'service call rejected');
      throw rejection;
    }
    if (!isCallerAllowed(options.policy, serviceName, request.method.name, identity.service)) {
      log.warn({ procedure, code: Code[Code.PermissionDenied], caller: identity.service }, 'service call rejected');
      throw new ConnectError(`service "${identity.service}" may not call ${procedure}`, Code.PermissionDenied);
    }
    request.contextValues.set(serviceIdentityKey, identity);
    return next(request);
  };
}
