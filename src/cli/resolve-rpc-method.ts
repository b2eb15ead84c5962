import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { SERVICE_NAMES, ServiceCatalog, type ServiceName } from '../services/service-catalog.js';
import { CliError } from './cli-error.js';

/** RpcTarget is a method named on the command line, resolved against the generated descriptors. */
export interface RpcTarget {
  /** name is the short service name (`auth`), which picks its URL variable. */
  name: ServiceName;
  service: DescService;
  method: DescMethod;
}

/**
 * resolveRpcMethod reads `<service>/<Method>`: the service by its short name
 * (`auth`) or full name (`auth.v1.AuthService`), the method by its proto name
 * (`CreateUser`) or its local name (`createUser`). Anything else is a CliError
 * listing what exists.
 */
export function resolveRpcMethod(target: string): RpcTarget {
  const slash = target.lastIndexOf('/');
  if (slash <= 0 || slash === target.length - 1) {
    throw new CliError('BAD_ARGUMENT', `expected <service>/<Method>, e.g. auth/CreateUser, got ${JSON.stringify(target)}`);
  }
  const serviceName = target.slice(0, slash);
  const methodName = target.slice(slash + 1);
  const name = SERVICE_NAMES.find((candidate) => candidate === serviceName || ServiceCatalog[candidate].service.typeName === serviceName);
  if (!name) {
    throw new CliError('UNKNOWN_SERVICE', `unknown service ${JSON.stringify(serviceName)}; the services are ${SERVICE_NAMES.join(', ')} (or their full names, e.g. auth.v1.AuthService)`);
  }
  const service: DescService = ServiceCatalog[name].service;
  const method = service.methods.find((candidate) => candidate.name === methodName || candidate.localName === methodName);
  if (!method) {
    throw new CliError('UNKNOWN_METHOD', `${service.typeName} has no method ${JSON.stringify(methodName)}; its methods are ${service.methods.map((m) => m.name).join(', ')}`);
  }
  if (method.methodKind !== 'unary') {
    throw new CliError('UNKNOWN_METHOD', `${service.typeName}/${method.name} is a ${method.methodKind} method; mesh call supports unary methods only`);
  }
  return { name, service, method };
}
