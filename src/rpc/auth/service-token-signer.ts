import type { KeyObject } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { DEFAULT_SERVICE_TOKEN_ALGORITHM, SERVICE_TOKEN_TYPE, type ServiceTokenAlgorithm } from './service-token.js';

/** DEFAULT_SERVICE_TOKEN_TTL_SECONDS keeps tokens short-lived: a leaked one is useless within minutes. */
export const DEFAULT_SERVICE_TOKEN_TTL_SECONDS = 300;
/** DEFAULT_SERVICE_TOKEN_REFRESH_SECONDS is how long before expiry a cached token is replaced, covering clock skew and slow calls. */
export const DEFAULT_SERVICE_TOKEN_REFRESH_SECONDS = 60;

/** ServiceTokenSignerOptions configure createServiceTokenSigner. */
export interface ServiceTokenSignerOptions {
  /** issuer is the name of the calling service (the token's `iss` and `sub`). */
  issuer: string;
  /** privateKey signs the tokens (ES256: P-256; EdDSA: Ed25519). */
  privateKey: CryptoKey | KeyObject;
  /** @defaultValue DEFAULT_SERVICE_TOKEN_ALGORITHM ('ES256') */
  algorithm?: ServiceTokenAlgorithm;
  /**
   * keyId is the `kid` receivers look the public key up by.
   * @defaultValue the issuer
   */
  keyId?: string;
  /** @defaultValue DEFAULT_SERVICE_TOKEN_TTL_SECONDS */
  ttlSeconds?: number;
  /** @defaultValue DEFAULT_SERVICE_TOKEN_REFRESH_SECONDS */
  refreshBeforeSeconds?: number;
  /**
   * now is the clock, in epoch milliseconds.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/** ServiceTokenSigner hands out signed service tokens per audience, re-signing only near expiry. */
export interface ServiceTokenSigner {
  readonly issuer: string;
  /** token returns a valid token for `audience` (the called service), from the cache when it has time left. */
  token(audience: string): Promise<string>;
  /** signedCount is how many tokens were actually signed, for tests and metrics. */
  readonly signedCount: number;
}

interface CachedToken {
  readonly token: Promise<string>;
  readonly refreshAt: number;
}

/**
 * createServiceTokenSigner returns a signer of short-lived service tokens
 * (JWT, `typ` service+jwt, iss = sub = the calling service, aud = the called
 * one). Signing costs far more than a call's other work, so each audience's
 * token is cached until DEFAULT_SERVICE_TOKEN_REFRESH_SECONDS before it
 * expires; concurrent calls share one signing.
 */
export function createServiceTokenSigner(options: ServiceTokenSignerOptions): ServiceTokenSigner {
  const algorithm = options.algorithm ?? DEFAULT_SERVICE_TOKEN_ALGORITHM;
  const keyId = options.keyId ?? options.issuer;
  const ttl = options.ttlSeconds ?? DEFAULT_SERVICE_TOKEN_TTL_SECONDS;
  const refreshBefore = options.refreshBeforeSeconds ?? DEFAULT_SERVICE_TOKEN_REFRESH_SECONDS;
  const now = options.now ?? Date.now;
  if (!options.issuer) throw new TypeError('a service token signer needs an issuer (the calling service name)');
  if (!(ttl > 0) || !(refreshBefore >= 0) || refreshBefore >= ttl) {
    throw new RangeError(`service token ttlSeconds (${ttl}) must be positive and above refreshBeforeSeconds (${refreshBefore})`);
  }
  const cache = new Map<string, CachedToken>();
  let signedCount = 0;

  const sign = async (audience: string, issuedAt: number): Promise<string> => {
    signedCount++;
    return new SignJWT({})
      .setProtectedHeader({ alg: algorithm, kid: keyId, typ: SERVICE_TOKEN_TYPE })
      .setIssuer(options.issuer)
      .setSubject(options.issuer)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .sign(options.privateKey);
  };

  return {
    issuer: options.issuer,
    get signedCount() {
      return signedCount;
    },
    token(audience) {
      const at = now();
      const cached = cache.get(audience);
      if (cached && at < cached.refreshAt) return cached.token;
      const issuedAt = Math.floor(at / 1000);
      const token = sign(audience, issuedAt);
      const entry = { token, refreshAt: (issuedAt + ttl - refreshBefore) * 1000 };
      cache.set(audience, entry);
      // A failed signing must not stick: the next call tries again.
      token.catch(() => {
        if (cache.get(audience) === entry) cache.delete(audience);
      });
      return token;
    },
  };
}
