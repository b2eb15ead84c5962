import { toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * DescriptorIndex answers the lookups of gRPC server reflection for a set of
 * services: files by name, the file defining a symbol or an extension, and
 * each file serialized together with everything it imports.
 */
export interface DescriptorIndex {
  /** serviceNames lists the fully-qualified names of the served services. */
  readonly serviceNames: readonly string[];
  /** fileByName returns a file by its path, e.g. "auth/v1/auth_service.proto". */
  fileByName(name: string): DescFile | undefined;
  /** fileContainingSymbol returns the file that defines a message, enum, service, method or extension. */
  fileContainingSymbol(symbol: string): DescFile | undefined;
  /** fileContainingExtension returns the file that extends `extendee` with field number `no`. */
  fileContainingExtension(extendee: string, no: number): DescFile | undefined;
  /** extensionNumbersOf returns the known extension numbers of a message type, or undefined for an unknown type. */
  extensionNumbersOf(extendee: string): number[] | undefined;
  /** serializeWithDependencies returns the file's FileDescriptorProto first, then those of its transitive imports. */
  serializeWithDependencies(file: DescFile): Uint8Array[];
}

/**
 * createDescriptorIndex indexes the files of `services` and all their
 * transitive imports, plus `extraFiles` (types that only appear inside
 * error details, which tools must resolve to decode them).
 */
export function createDescriptorIndex(services: readonly DescService[], extraFiles: readonly DescFile[] = []): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const messages = new Set<string>();
  const serialized = new Map<DescFile, Uint8Array>();

  const addExtension = (ext: DescExtension) => {
    symbols.set(ext.typeName, ext.file);
    const byNumber = extensions.get(ext.extendee.typeName) ?? new Map<number, DescFile>();
    byNumber.set(ext.number, ext.file);
    extensions.set(ext.extendee.typeName, byNumber);
  };
  const addEnum = (desc: DescEnum) => symbols.set(desc.typeName, desc.file);
  const addMessage = (desc: DescMessage) => {
    symbols.set(desc.typeName, desc.file);
    messages.add(desc.typeName);
    desc.nestedMessages.forEach(addMessage);
    desc.nestedEnums.forEach(addEnum);
    desc.nestedExtensions.forEach(addExtension);
  };
  const addFile = (file: DescFile) => {
    if (files.has(file.name + '.proto')) return;
    files.set(file.name + '.proto', file);
    file.dependencies.forEach(addFile);
    file.messages.forEach(addMessage);
    file.enums.forEach(addEnum);
    file.extensions.forEach(addExtension);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
  };
  services.forEach((service) => addFile(service.file));
  extraFiles.forEach(addFile);

  const serialize = (file: DescFile): Uint8Array => {
    let bytes = serialized.get(file);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      serialized.set(file, bytes);
    }
    return bytes;
  };

  return {
    serviceNames: [...new Set(services.map((service) => service.typeName))],
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (symbol) => symbols.get(symbol.replace(/^\./, '')),
    fileContainingExtension: (extendee, no) => extensions.get(extendee.replace(/^\./, ''))?.get(no),
    extensionNumbersOf(extendee) {
      const name = extendee.replace(/^\./, '');
      if (!messages.has(name)) return undefined;
      return [...(extensions.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
    serializeWithDependencies(file) {
      const ordered: DescFile[] = [];
      const visit = (current: DescFile) => {
        if (ordered.includes(current)) return;
        ordered.push(current);
        current.dependencies.forEach(visit);
      };
      visit(file);
      return ordered.map(serialize);
    },
  };
}
