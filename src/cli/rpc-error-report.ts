import { create, createRegistry, fromBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { file_mesh_v1_error_details } from '../../gen/mesh/v1/error_details_pb.js';

const detailRegistry = createRegistry(file_mesh_v1_error_details);

/** RpcErrorReport is a failed call as `mesh call` prints it: the code's name, the message, and the decoded details. */
export interface RpcErrorReport {
  code: string;
  message: string;
  details: { type: string; value?: JsonValue; debug?: unknown }[];
}

/** rpcErrorReport describes a ConnectError, decoding the details whose types the toolkit defines (mesh.v1 error details). */
export function rpcErrorReport(error: ConnectError): RpcErrorReport {
  const details = error.details.map((detail) => {
    // Outgoing details (raised in this process) carry their descriptor; received ones carry bytes.
    if ('desc' in detail) return { type: detail.desc.typeName, value: toJson(detail.desc, create(detail.desc, detail.value as never), { registry: detailRegistry }) };
    const desc = detailRegistry.getMessage(detail.type);
    if (!desc) return { type: detail.type, ...(detail.debug === undefined ? {} : { debug: detail.debug }) };
    return { type: detail.type, value: toJson(desc, fromBinary(desc, detail.value)) };
  });
  return { code: codeName(error.code), message: error.rawMessage, details };
}

/** formatRpcError is the one line of a failed call: `<code>: <message>` and its details as compact JSON. */
export function formatRpcError(report: RpcErrorReport): string {
  const details = report.details.length > 0 ? ` details=${JSON.stringify(report.details)}` : '';
  return `${report.code}: ${report.message}${details}`;
}

/** codeName gives a Code's name as gRPC spells it (NOT_FOUND, INVALID_ARGUMENT...). */
export function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
