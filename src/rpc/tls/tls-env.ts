import { readFileSync } from 'node:fs';

/** MESH_TLS_CA_ENV names the file (PEM) of the CA that signs the mesh's certificates: clients trust it, servers verify client certificates with it. */
export const MESH_TLS_CA_ENV = 'MESH_TLS_CA';
/** MESH_TLS_CERT_ENV names the file (PEM) of this process's certificate: the server certificate, and the client certificate it shows to other services. */
export const MESH_TLS_CERT_ENV = 'MESH_TLS_CERT';
/** MESH_TLS_KEY_ENV names the file (PEM) of the private key of MESH_TLS_CERT. */
export const MESH_TLS_KEY_ENV = 'MESH_TLS_KEY';
/** MESH_TLS_SERVER_NAME_ENV overrides the host name clients check the server certificate against. */
export const MESH_TLS_SERVER_NAME_ENV = 'MESH_TLS_SERVER_NAME';

/** TlsFiles is the PEM material the MESH_TLS_* variables point at. */
export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
}

/**
 * readTlsFilesFromEnv reads the files named by MESH_TLS_CA, MESH_TLS_CERT and
 * MESH_TLS_KEY; undefined when none is set. A certificate without its key (or
 * the reverse) and an unreadable file are TypeErrors that name the variable
 * and the path, never the content.
 */
export function readTlsFilesFromEnv(env: NodeJS.ProcessEnv = process.env): TlsFiles | undefined {
  const ca = readPem(env, MESH_TLS_CA_ENV);
  const cert = readPem(env, MESH_TLS_CERT_ENV);
  const key = readPem(env, MESH_TLS_KEY_ENV);
  const serverName = env[MESH_TLS_SERVER_NAME_ENV]?.trim() || undefined;
  if (!ca && !cert && !key) return undefined;
  if (Boolean(cert) !== Boolean(key)) {
    throw new TypeError(`${MESH_TLS_CERT_ENV} and ${MESH_TLS_KEY_ENV} go together: set both or neither`);
  }
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }), ...(serverName && { serverName }) };
}

function readPem(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const path = env[name]?.trim();
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TypeError(`${name}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
