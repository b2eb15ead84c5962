import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { DEFAULT_SERVICE_TOKEN_ALGORITHM, type ServiceTokenAlgorithm } from './service-token.js';

/** ServiceKeyPair is a service's signing key and the public JWK other services verify its tokens with. */
export interface ServiceKeyPair {
  readonly service: string;
  readonly algorithm: ServiceTokenAlgorithm;
  /** keyId is the JWK `kid`: the service name, or `service:suffix` for a rotated key. */
  readonly keyId: string;
  /** privateKey signs the service's tokens; never logged, never exported by the toolkit. */
  readonly privateKey: CryptoKey;
  /** publicJwk goes into the JWKS every receiving service trusts. */
  readonly publicJwk: JWK;
}

/**
 * createServiceKeyPair generates a signing key pair for `service` (tests,
 * development; production keys come from files, see serviceTokenSignerFromEnv).
 */
export async function createServiceKeyPair(
  service: string,
  options: { algorithm?: ServiceTokenAlgorithm; keyId?: string } = {},
): Promise<ServiceKeyPair> {
  const algorithm = options.algorithm ?? DEFAULT_SERVICE_TOKEN_ALGORITHM;
  const keyId = options.keyId ?? service;
  const { privateKey, publicKey } = await generateKeyPair(algorithm, algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const publicJwk = { ...(await exportJWK(publicKey)), kid: keyId, alg: algorithm, use: 'sig' };
  return { service, algorithm, keyId, privateKey, publicJwk };
}
