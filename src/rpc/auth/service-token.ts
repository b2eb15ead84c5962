/**
 * SERVICE_TOKEN_HEADER carries the calling service's signed token (a compact
 * JWT). It is not `authorization`, which carries the end user's token: the
 * two identities travel side by side and neither replaces the other.
 */
export const SERVICE_TOKEN_HEADER = 'x-service-token';

/** SERVICE_TOKEN_TYPE is the JWT `typ` of service tokens, so an end-user token can never pass for one. */
export const SERVICE_TOKEN_TYPE = 'service+jwt';

/** ServiceTokenAlgorithm is a signature algorithm service tokens may use: ECDSA P-256 or Ed25519. */
export type ServiceTokenAlgorithm = 'ES256' | 'EdDSA';

/** SERVICE_TOKEN_ALGORITHMS are the algorithms a verifier accepts; anything else (none, HS256) is refused. */
export const SERVICE_TOKEN_ALGORITHMS: readonly ServiceTokenAlgorithm[] = Object.freeze(['ES256', 'EdDSA']);

/** DEFAULT_SERVICE_TOKEN_ALGORITHM is ES256, which every JOSE library and HSM supports. */
export const DEFAULT_SERVICE_TOKEN_ALGORITHM: ServiceTokenAlgorithm = 'ES256';

/**
 * keyOwner returns the service a key id belongs to: the key id itself, or
 * the part before ':' (`market:2026-12` is a second key of `market`, for
 * rotation). A token's issuer must be the owner of the key that signed it.
 */
export function keyOwner(keyId: string): string {
  const colon = keyId.indexOf(':');
  return colon < 0 ? keyId : keyId.slice(0, colon);
}
