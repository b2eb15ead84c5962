import { toJson } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { Option, type Command } from 'commander';
import { serviceTokenSignerFromEnv } from '../../rpc/auth/index.js';
import { clientTlsFromEnv, createMeshClient, serviceUrls, type RpcProtocol } from '../../rpc/client/index.js';
import { collectHeader } from '../parse-header.js';
import { parseMilliseconds } from '../parse-milliseconds.js';
import { parseRequestJson } from '../parse-request-json.js';
import { printJson } from '../print-json.js';
import { resolveRpcMethod } from '../resolve-rpc-method.js';
import { formatRpcError, rpcErrorReport } from '../rpc-error-report.js';

/** DEFAULT_CALL_DEADLINE_MS is the deadline of `mesh call` when `--deadline` is not given. */
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

interface CallOptions {
  deadline: number;
  header?: [string, string][];
  protocol: RpcProtocol;
  url?: string;
  json?: boolean;
}

/**
 * registerCallCommand adds `mesh call <service>/<Method> '<json>'`: one unary
 * call built from the generated descriptors (like grpcurl), JSON in and out.
 * A failed call prints its code, message and details on one line and exits 1.
 */
export function registerCallCommand(program: Command): void {
  program
    .command('call')
    .description('call an RPC by name with JSON in and out, e.g. mesh call auth/CreateUser \'{"email":"a@example.com","displayName":"A"}\'')
    .argument('<target>', '<service>/<Method>: service by short name (auth) or full name (auth.v1.AuthService)')
    .argument('[json]', 'the request as proto3 JSON', '{}')
    .option('--deadline <ms>', 'deadline of the call in ms', parseMilliseconds, DEFAULT_CALL_DEADLINE_MS)
    .option('--header <name:value>', 'a request header (repeatable)', collectHeader)
    .addOption(new Option('--protocol <protocol>', 'wire protocol').choices(['connect', 'grpc', 'grpc-web']).default('connect'))
    .option('--url <url>', 'base URL of the service (default: its *_SERVICE_URL, else localhost:300x)')
    .option('--json', 'on failure, print {code, message, details} as JSON on stdout too')
    .action(async (target: string, json: string, options: CallOptions) => {
      const { name, service, method } = resolveRpcMethod(target);
      const request = parseRequestJson(method.input, json);
      const baseUrls = options.url ?? serviceUrls(name);
      // The same MESH_TLS_* and MESH_SERVICE_* variables as the services, so a secured mesh can be called too.
      const tls = clientTlsFromEnv();
      const signer = serviceTokenSignerFromEnv();
      const mesh = createMeshClient(service, {
        baseUrls,
        protocol: options.protocol,
        retry: false,
        breaker: false,
        ...(tls && { tls }),
        ...(signer && { serviceToken: { signer } }),
      });
      const call = (mesh.client as unknown as Record<string, (input: unknown, callOptions: object) => Promise<never>>)[method.localName]!;
      try {
        const response = await call(request, { timeoutMs: options.deadline, headers: options.header ?? [] });
        printJson(toJson(method.output, response));
      } catch (error) {
        const connectError = ConnectError.from(error);
        const report = rpcErrorReport(connectError);
        if (options.json) printJson(report);
        const hint = connectError.code === Code.Unavailable ? ` (is ${name} running at ${[baseUrls].flat().join(',')}? start the mesh with \`npm start\`)` : '';
        process.stderr.write(`mesh: ${service.typeName}/${method.name} failed: ${formatRpcError(report)}${hint}\n`);
        process.exitCode = 1;
      } finally {
        mesh.close();
      }
    });
}
