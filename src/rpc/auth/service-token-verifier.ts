import { Code, ConnectError } from '@connectrpc/connect';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { LRUCache } from 'lru-cache';
import { keyOwner, SERVICE_TOKEN_ALGORITHMS, SERVICE_TOKEN_TYPE } from './service-token.js';

/** DEFAULT_CLOCK_TOLERANCE_SECONDS forgives this much clock skew between services on `exp` and `iat`. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** DEFAULT_MAX_TOKEN_AGE_SECONDS refuses tokens issued longer ago than this, whatever their `exp` says. */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 900;
/** DEFAULT_VERIFIED_TOKEN_CACHE_SIZE bounds the tokens remembered as verified (callers reuse theirs until near expiry). */
export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 1000;

/** ServiceTokenVerifierOptions configure createServiceTokenVerifier. */
export interface ServiceTokenVerifierOptions {
  /** keys is the JWKS of the services allowed to call; each `kid` is the service name (or `name:suffix`). */
  keys: JSONWebKeySet;
  /** @defaultValue DEFAULT_CLOCK_TOLERANCE_SECONDS */
  clockToleranceSeconds?: number;
  /** @defaultValue DEFAULT_MAX_TOKEN_AGE_SECONDS */
  maxTokenAgeSeconds?: number;
  /** @defaultValue DEFAULT_VERIFIED_TOKEN_CACHE_SIZE */
  cacheSize?: number;
  /**
   * now is the clock, in epoch milliseconds.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/** VerifiedServiceToken is what a valid token proves. */
export interface VerifiedServiceToken {
  /** service is the calling service (the token's issuer, owner of its signing key). */
  readonly service: string;
  readonly keyId: string;
  /** expiresAt is the token's `exp` in epoch milliseconds. */
  readonly expiresAt: number;
}

/** ServiceTokenVerifier checks service tokens. */
export interface ServiceTokenVerifier {
  /** verify resolves with the caller, or rejects with Unauthenticated saying why (never echoing the token). */
  verify(token: string, audience: string): Promise<VerifiedServiceToken>;
}

/**
 * createServiceTokenVerifier returns a verifier that accepts a token only
 * with a valid signature by a key of `keys`, of type service+jwt, signed
 * with ES256 or EdDSA, for `audience`, unexpired and not too old, and whose
 * issuer owns the signing key (so a service cannot speak for another).
 * Tokens already verified are remembered until they expire.
 */
export function createServiceTokenVerifier(options: ServiceTokenVerifierOptions): ServiceTokenVerifier {
  const jwks = createLocalJWKSet(options.keys);
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const maxAge = options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS;
  const now = options.now ?? Date.now;
  const verified = new LRUCache<string, VerifiedServiceToken>({ max: options.cacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE });

  const check = async (token: string, audience: string): Promise<VerifiedServiceToken> => {
    let result;
    try {
      result = await jwtVerify(token, jwks, {
        audience,
        algorithms: [...SERVICE_TOKEN_ALGORITHMS],
        typ: SERVICE_TOKEN_TYPE,
        clockTolerance: tolerance,
        maxTokenAge: maxAge,
        requiredClaims: ['iss', 'aud', 'iat', 'exp'],
        currentDate: new Date(now()),
      });
    } catch (error) {
      throw unauthenticated(rejectionReason(error), error);
    }
    const keyId = result.protectedHeader.kid;
    const issuer = result.payload.iss!;
    if (keyId === undefined || keyOwner(keyId) !== issuer) {
      throw unauthenticated(`issuer "${issuer}" does not own the signing key`);
    }
    return { service: issuer, keyId, expiresAt: result.payload.exp! * 1000 };
  };

  return {
    async verify(token, audience) {
      const cacheKey = `${audience}\n${token}`;
      const known = verified.get(cacheKey);
      if (known && now() < known.expiresAt + tolerance * 1000) return known;
      if (known) verified.delete(cacheKey);
      const identity = await check(token, audience);
      verified.set(cacheKey, identity);
      return identity;
    },
  };
}

function unauthenticated(reason: string, cause?: unknown): ConnectError {
  // The cause is jose's error, whose messages name claims, never token content.
  return new ConnectError(`service token rejected: ${reason}`, Code.Unauthenticated, undefined, undefined, cause);
}

function rejectionReason(error: unknown): string {
  const { code, claim } = error as { code?: string; claim?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'signed by an unknown key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'aud' ? 'issued for another service' : `claim "${claim}" is not acceptable`;
    default:
      return 'malformed';
  }
}
