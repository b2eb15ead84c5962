import type { DescFile, MessageInitShape } from '@bufbuild/protobuf';
import { Code, type ServiceImpl } from '@connectrpc/connect';
import {
  ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionResponseSchema,
} from '../../../../gen/grpc/reflection/v1/reflection_pb.js';
import type { DescriptorIndex } from './descriptor-index.js';

type ResponseInit = NonNullable<MessageInitShape<typeof ServerReflectionResponseSchema>['messageResponse']>;

/**
 * createReflectionService implements grpc.reflection.v1.ServerReflection on a
 * DescriptorIndex, so grpcurl, Postman and friends can list the services and
 * fetch their descriptors.
 */
export function createReflectionService(index: DescriptorIndex): ServiceImpl<typeof ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answer(index, request) };
      }
    },
  };
}

function answer(index: DescriptorIndex, request: ServerReflectionRequest): ResponseInit {
  const files = (file: DescFile | undefined, what: string): ResponseInit =>
    file
      ? { case: 'fileDescriptorResponse', value: { fileDescriptorProto: index.serializeWithDependencies(file) } }
      : notFound(what);
  const { messageRequest } = request;
  switch (messageRequest.case) {
    case 'listServices':
      return { case: 'listServicesResponse', value: { service: index.serviceNames.map((name) => ({ name })) } };
    case 'fileByFilename':
      return files(index.fileByName(messageRequest.value), `file "${messageRequest.value}"`);
    case 'fileContainingSymbol':
      return files(index.fileContainingSymbol(messageRequest.value), `symbol "${messageRequest.value}"`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = messageRequest.value;
      return files(index.fileContainingExtension(containingType, extensionNumber), `extension ${extensionNumber} of "${containingType}"`);
    }
    case 'allExtensionNumbersOfType': {
      const numbers = index.extensionNumbersOf(messageRequest.value);
      if (!numbers) return notFound(`type "${messageRequest.value}"`);
      return { case: 'allExtensionNumbersResponse', value: { baseTypeName: messageRequest.value, extensionNumber: numbers } };
    }
    default:
      return { case: 'errorResponse', value: { errorCode: Code.InvalidArgument, errorMessage: 'unknown reflection request' } };
  }
}

function notFound(what: string): ResponseInit {
  return { case: 'errorResponse', value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } };
}
