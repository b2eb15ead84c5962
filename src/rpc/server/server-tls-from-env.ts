import { readTlsFilesFromEnv } from '../tls/tls-env.js';
import type { ServerTlsOptions } from './server-options.js';

/**
 * serverTlsFromEnv returns the server TLS options of MESH_TLS_CERT and
 * MESH_TLS_KEY, or undefined when neither is set (cleartext). With MESH_TLS_CA
 * too it is mutual TLS: clients must show a certificate signed by that CA.
 */
export function serverTlsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerTlsOptions | undefined {
  const files = readTlsFilesFromEnv(env);
  // A CA alone configures clients only (readTlsFilesFromEnv already refused a certificate without its key).
  if (!files?.cert || !files.key) return undefined;
  return {
    cert: files.cert,
    key: files.key,
    ...(files.ca && { ca: files.ca, requestCert: true, rejectUnauthorized: true }),
  };
}

