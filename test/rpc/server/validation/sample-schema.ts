// A test-only message type that exercises every rule and field shape the
// validator knows, built at runtime so gen/ and proto/ stay untouched.
import { create, createFileRegistry, setExtension, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  type FieldDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { file_mesh_v1_money } from '../../../../gen/mesh/v1/money_pb.js';
import { field as fieldRules, file_mesh_v1_options, FieldRulesSchema } from '../../../../gen/mesh/v1/options_pb.js';

type Rules = MessageInitShape<typeof FieldRulesSchema>;
type FieldInit = MessageInitShape<typeof FileDescriptorProtoSchema>['messageType'] extends (infer M)[] | undefined
  ? M extends { field?: (infer F)[] }
    ? F
    : never
  : never;

function withRules(rules: Rules) {
  const options = create(FieldOptionsSchema);
  setExtension(options, fieldRules, create(FieldRulesSchema, rules));
  return options;
}

function field(name: string, number: number, type: Type, rules?: Rules, extra: Partial<FieldDescriptorProto> = {}): FieldInit {
  return {
    name,
    number,
    type,
    label: Label.OPTIONAL,
    jsonName: name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
    ...(rules ? { options: withRules(rules) } : {}),
    ...extra,
  } as FieldInit;
}

const file = create(FileDescriptorProtoSchema, {
  name: 'test/v1/sample.proto',
  package: 'test.v1',
  syntax: 'proto3',
  dependency: ['mesh/v1/options.proto', 'mesh/v1/money.proto'],
  enumType: [{ name: 'Kind', value: [{ name: 'KIND_UNSPECIFIED', number: 0 }, { name: 'KIND_A', number: 1 }] }],
  messageType: [
    {
      name: 'Sample',
      field: [
        field('name', 1, Type.STRING, { required: true, minLen: 2, maxLen: 5 }),
        field('tags', 2, Type.STRING, { maxLen: 2, pattern: '[a-z]+' }, { label: Label.REPEATED }),
        field('labels', 3, Type.MESSAGE, { maxLen: 1, minLen: 0, pattern: '[0-9]+' }, { label: Label.REPEATED, typeName: '.test.v1.Sample.LabelsEntry' }),
        field('data', 4, Type.BYTES, { maxLen: 3 }),
        field('count', 5, Type.INT32, { min: 1n, max: 10n }),
        field('big', 6, Type.INT64, { gt: 0n }),
        field('price', 7, Type.MESSAGE, { gt: 0n }, { typeName: '.mesh.v1.Money' }),
        field('child', 8, Type.MESSAGE, undefined, { typeName: '.test.v1.Sample' }),
        field('kind', 9, Type.ENUM, { required: true }, { typeName: '.test.v1.Kind' }),
        field('email', 10, Type.STRING, { email: true }),
        field('code', 11, Type.STRING, { pattern: '[A-Z]{2}' }, { oneofIndex: 0 }),
        field('children', 12, Type.MESSAGE, undefined, { label: Label.REPEATED, typeName: '.test.v1.Sample' }),
        field('prices', 13, Type.MESSAGE, { required: true, min: 1n }, { label: Label.REPEATED, typeName: '.mesh.v1.Money' }),
      ],
      oneofDecl: [{ name: 'choice' }],
      nestedType: [
        {
          name: 'LabelsEntry',
          options: { mapEntry: true },
          field: [field('key', 1, Type.STRING), field('value', 2, Type.STRING)],
        },
      ],
    },
  ],
});

const registry = createFileRegistry(file, (name) =>
  name === 'mesh/v1/options.proto' ? file_mesh_v1_options : name === 'mesh/v1/money.proto' ? file_mesh_v1_money : undefined,
);

/** SampleSchema is the runtime-built test.v1.Sample message type. */
export const SampleSchema: DescMessage = registry.getMessage('test.v1.Sample')!;
