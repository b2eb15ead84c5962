// TLS material from the environment, shared by clients and servers.
export {
  MESH_TLS_CA_ENV,
  MESH_TLS_CERT_ENV,
  MESH_TLS_KEY_ENV,
  MESH_TLS_SERVER_NAME_ENV,
  readTlsFilesFromEnv,
  type TlsFiles,
} from './tls-env.js';
