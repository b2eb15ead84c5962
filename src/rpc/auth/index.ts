// Service-to-service authentication: signed service tokens, their keys, the
// per-method access policy, and where the caller's identity is found.
export {
  DEFAULT_SERVICE_TOKEN_ALGORITHM,
  keyOwner,
  SERVICE_TOKEN_ALGORITHMS,
  SERVICE_TOKEN_HEADER,
  SERVICE_TOKEN_TYPE,
  type ServiceTokenAlgorithm,
} from './service-token.js';
export { createServiceKeyPair, type ServiceKeyPair } from './service-key-pair.js';
export {
  createServiceTokenSigner,
  DEFAULT_SERVICE_TOKEN_REFRESH_SECONDS,
  DEFAULT_SERVICE_TOKEN_TTL_SECONDS,
  type ServiceTokenSigner,
  type ServiceTokenSignerOptions,
} from './service-token-signer.js';
export {
  createServiceTokenVerifier,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_TOKEN_AGE_SECONDS,
  DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
  type ServiceTokenVerifier,
  type ServiceTokenVerifierOptions,
  type VerifiedServiceToken,
} from './service-token-verifier.js';
export { allowedCallers, ANY_SERVICE, DEFAULT_OPEN_SERVICES, isCallerAllowed, type ServiceAccessPolicy } from './service-access-policy.js';
export { serviceIdentityKey, serviceIdentityOf, type ServiceIdentity } from './service-identity.js';
export {
  MESH_SERVICE_NAME_ENV,
  MESH_SERVICE_TOKEN_ALG_ENV,
  MESH_SERVICE_TOKEN_JWKS_ENV,
  MESH_SERVICE_TOKEN_KEY_ENV,
  serviceTokenKeysFromEnv,
  serviceTokenSignerFromEnv,
} from './service-auth-env.js';
