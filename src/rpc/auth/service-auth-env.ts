import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { DEFAULT_SERVICE_TOKEN_ALGORITHM, SERVICE_TOKEN_ALGORITHMS, type ServiceTokenAlgorithm } from './service-token.js';
import { createServiceTokenSigner, type ServiceTokenSigner } from './service-token-signer.js';

/** MESH_SERVICE_NAME_ENV names this service: the issuer of its tokens. */
export const MESH_SERVICE_NAME_ENV = 'MESH_SERVICE_NAME';
/** MESH_SERVICE_TOKEN_KEY_ENV names the file (PKCS#8 PEM) of the key this service signs its tokens with. */
export const MESH_SERVICE_TOKEN_KEY_ENV = 'MESH_SERVICE_TOKEN_KEY';
/** MESH_SERVICE_TOKEN_ALG_ENV names the algorithm of that key: ES256 (default) or EdDSA. */
export const MESH_SERVICE_TOKEN_ALG_ENV = 'MESH_SERVICE_TOKEN_ALG';
/** MESH_SERVICE_TOKEN_JWKS_ENV names the file (JSON Web Key Set) of the public keys of the services allowed to call; each `kid` is a service name. */
export const MESH_SERVICE_TOKEN_JWKS_ENV = 'MESH_SERVICE_TOKEN_JWKS';

/**
 * serviceTokenSignerFromEnv returns the signer of MESH_SERVICE_NAME with the
 * key in MESH_SERVICE_TOKEN_KEY, or undefined when no key is set. Errors
 * name the variable and the path, never the key.
 */
export function serviceTokenSignerFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceTokenSigner | undefined {
  const path = env[MESH_SERVICE_TOKEN_KEY_ENV]?.trim();
  if (!path) return undefined;
  const issuer = env[MESH_SERVICE_NAME_ENV]?.trim();
  if (!issuer) throw new TypeError(`${MESH_SERVICE_TOKEN_KEY_ENV} is set but ${MESH_SERVICE_NAME_ENV} is not: tokens need an issuer`);
  const algorithm = (env[MESH_SERVICE_TOKEN_ALG_ENV]?.trim() || DEFAULT_SERVICE_TOKEN_ALGORITHM) as ServiceTokenAlgorithm;
  if (!SERVICE_TOKEN_ALGORITHMS.includes(algorithm)) {
    throw new TypeError(`${MESH_SERVICE_TOKEN_ALG_ENV} must be one of ${SERVICE_TOKEN_ALGORITHMS.join(', ')}, got "${algorithm}"`);
  }
  const pem = readText(MESH_SERVICE_TOKEN_KEY_ENV, path);
  let privateKey: KeyObject | undefined;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // node:crypto's message may quote the input; ours names only the file.
  }
  if (!privateKey || !fitsAlgorithm(privateKey, algorithm)) {
    throw new TypeError(`${MESH_SERVICE_TOKEN_KEY_ENV}=${path} is not a PEM ${algorithm} private key`);
  }
  return createServiceTokenSigner({ issuer, privateKey, algorithm });
}

/** serviceTokenKeysFromEnv returns the JWKS in MESH_SERVICE_TOKEN_JWKS, or undefined when it is not set. */
export function serviceTokenKeysFromEnv(env: NodeJS.ProcessEnv = process.env): JSONWebKeySet | undefined {
  const path = env[MESH_SERVICE_TOKEN_JWKS_ENV]?.trim();
  if (!path) return undefined;
  let jwks: unknown;
  try {
    jwks = JSON.parse(readText(MESH_SERVICE_TOKEN_JWKS_ENV, path));
  } catch (error) {
    if (error instanceof TypeError) throw error;
    throw new TypeError(`${MESH_SERVICE_TOKEN_JWKS_ENV}=${path} is not JSON`);
  }
  if (!Array.isArray((jwks as JSONWebKeySet | undefined)?.keys)) {
    throw new TypeError(`${MESH_SERVICE_TOKEN_JWKS_ENV}=${path} is not a JSON Web Key Set ({"keys": [...]})`);
  }
  return jwks as JSONWebKeySet;
}

function fitsAlgorithm(key: KeyObject, algorithm: ServiceTokenAlgorithm): boolean {
  if (algorithm === 'EdDSA') return key.asymmetricKeyType === 'ed25519';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

function readText(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TypeError(`${name}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
