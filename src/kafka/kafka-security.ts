import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { KafkaTransportError } from './kafka-transport-error.js';

/** KAFKA_SASL_MECHANISM_ENV turns on SASL: plain, scram-sha-256 or scram-sha-512. */
export const KAFKA_SASL_MECHANISM_ENV = 'KAFKA_SASL_MECHANISM';
/** KAFKA_SASL_USERNAME_ENV is the SASL user. */
export const KAFKA_SASL_USERNAME_ENV = 'KAFKA_SASL_USERNAME';
/** KAFKA_SASL_PASSWORD_ENV is the SASL password; it is never logged nor put in an error. */
export const KAFKA_SASL_PASSWORD_ENV = 'KAFKA_SASL_PASSWORD';
/** KAFKA_TLS_ENV turns on TLS to the brokers ("1"/"true"); the KAFKA_TLS_*_FILE variables turn it on too. */
export const KAFKA_TLS_ENV = 'KAFKA_TLS';
/** KAFKA_TLS_CA_FILE_ENV is the CA (PEM) the brokers' certificates must chain to; Node's public CAs otherwise. */
export const KAFKA_TLS_CA_FILE_ENV = 'KAFKA_TLS_CA_FILE';
/** KAFKA_TLS_CERT_FILE_ENV is the client certificate (PEM) for brokers that require one. */
export const KAFKA_TLS_CERT_FILE_ENV = 'KAFKA_TLS_CERT_FILE';
/** KAFKA_TLS_KEY_FILE_ENV is the private key (PEM) of KAFKA_TLS_CERT_FILE. */
export const KAFKA_TLS_KEY_FILE_ENV = 'KAFKA_TLS_KEY_FILE';

/** KafkaSaslMechanism is a SASL mechanism the toolkit configures from the environment. */
export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** KAFKA_SASL_MECHANISMS lists the accepted values of KAFKA_SASL_MECHANISM. */
export const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = Object.freeze(['plain', 'scram-sha-256', 'scram-sha-512']);

/** KafkaSecurity is the part of a kafkajs config that says how to authenticate and encrypt. */
export type KafkaSecurity = Pick<KafkaConfig, 'sasl' | 'ssl'>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * kafkaSecurityFromEnv reads SASL and TLS settings from KAFKA_SASL_* and
 * KAFKA_TLS*; an empty object when none is set (plaintext, as for the local
 * broker). A bad combination (a mechanism without credentials, credentials
 * without a mechanism, TLS files with KAFKA_TLS=0, a certificate without
 * its key, an unreadable file) throws KafkaTransportError
 * INVALID_SECURITY_CONFIG naming the variables, never a password.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const sasl = saslFromEnv(env);
  const ssl = sslFromEnv(env);
  return { ...(sasl && { sasl }), ...(ssl !== undefined && { ssl }) };
}

function saslFromEnv(env: NodeJS.ProcessEnv): SASLOptions | undefined {
  const mechanism = value(env, KAFKA_SASL_MECHANISM_ENV)?.toLowerCase();
  const username = value(env, KAFKA_SASL_USERNAME_ENV);
  // A password is taken as is: spaces may be part of it.
  const password = env[KAFKA_SASL_PASSWORD_ENV] || undefined;
  if (!mechanism) {
    if (username !== undefined || password !== undefined) {
      invalid(`${KAFKA_SASL_USERNAME_ENV}/${KAFKA_SASL_PASSWORD_ENV} are set but ${KAFKA_SASL_MECHANISM_ENV} is not; set it to ${KAFKA_SASL_MECHANISMS.join(', ')}`);
    }
    return undefined;
  }
  if (!KAFKA_SASL_MECHANISMS.includes(mechanism as KafkaSaslMechanism)) {
    invalid(`${KAFKA_SASL_MECHANISM_ENV} must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${mechanism}"`);
  }
  if (username === undefined || password === undefined) {
    invalid(`${KAFKA_SASL_MECHANISM_ENV}=${mechanism} needs ${KAFKA_SASL_USERNAME_ENV} and ${KAFKA_SASL_PASSWORD_ENV}`);
  }
  return { mechanism: mechanism as KafkaSaslMechanism, username, password } as SASLOptions;
}

function sslFromEnv(env: NodeJS.ProcessEnv): KafkaConfig['ssl'] {
  const flag = value(env, KAFKA_TLS_ENV)?.toLowerCase();
  if (flag !== undefined && !TRUE.has(flag) && !FALSE.has(flag)) invalid(`${KAFKA_TLS_ENV} must be 1 or 0, got "${flag}"`);
  const ca = readPem(env, KAFKA_TLS_CA_FILE_ENV);
  const cert = readPem(env, KAFKA_TLS_CERT_FILE_ENV);
  const key = readPem(env, KAFKA_TLS_KEY_FILE_ENV);
  const files = ca ?? cert ?? key;
  if (flag !== undefined && FALSE.has(flag)) {
    if (files) invalid(`${KAFKA_TLS_ENV}=${flag} but TLS files (${KAFKA_TLS_CA_FILE_ENV}, ${KAFKA_TLS_CERT_FILE_ENV}, ${KAFKA_TLS_KEY_FILE_ENV}) are set`);
    return undefined;
  }
  if (Boolean(cert) !== Boolean(key)) invalid(`${KAFKA_TLS_CERT_FILE_ENV} and ${KAFKA_TLS_KEY_FILE_ENV} go together: set both or neither`);
  if (!files) return flag !== undefined ? true : undefined;
  return { ...(ca && { ca: [ca] }), ...(cert && { cert }), ...(key && { key }) };
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function readPem(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const path = value(env, name);
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    invalid(`${name}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function invalid(message: string): never {
  throw new KafkaTransportError('INVALID_SECURITY_CONFIG', message);
}
