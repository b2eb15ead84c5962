import { clone, createFileRegistry, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { file_grpc_reflection_v1_reflection } from '../../../../gen/grpc/reflection/v1/reflection_pb.js';

const V1 = 'grpc.reflection.v1';
const V1ALPHA = 'grpc.reflection.v1alpha';

let cached: DescService | undefined;

/**
 * reflectionV1AlphaService returns grpc.reflection.v1alpha.ServerReflection,
 * which grpcurl and other tools still try first. Upstream's v1alpha proto is
 * v1 under another package, so the descriptor is derived from the generated
 * v1 file instead of vendoring a second copy of it; the v1 implementation
 * serves both, as its responses are plain init objects.
 */
export function reflectionV1AlphaService(): DescService {
  if (cached) return cached;
  const proto = clone(FileDescriptorProtoSchema, file_grpc_reflection_v1_reflection.proto);
  proto.name = 'grpc/reflection/v1alpha/reflection.proto';
  proto.package = V1ALPHA;
  const retarget = (typeName: string) => typeName.replace(`.${V1}.`, `.${V1ALPHA}.`);
  for (const message of proto.messageType) for (const field of message.field) field.typeName = retarget(field.typeName);
  for (const service of proto.service) {
    for (const method of service.method) {
      method.inputType = retarget(method.inputType);
      method.outputType = retarget(method.outputType);
    }
  }
  cached = createFileRegistry(proto, () => undefined).getService(`${V1ALPHA}.ServerReflection`)!;
  return cached;
}
