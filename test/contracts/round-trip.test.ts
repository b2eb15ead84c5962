import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  create,
  createFileRegistry,
  equals,
  fromBinary,
  fromJsonString,
  isFieldSet,
  toBinary,
  toJsonString,
  type DescFile,
  type DescMessage,
} from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
} from '@bufbuild/protobuf/wkt';
import { fillMessage, variantCount } from './fill-message.js';
import { allMessages, loadGeneratedFiles } from './generated-files.js';
import { embeddedEventMetadata, floatMoneyFields, invalidFieldRules, sideEffectingReads } from './contract-rules.js';

const SERVICES = ['auth', 'market', 'skillpod', 'cockpit', 'billing', 'notification'];

const files = await loadGeneratedFiles();

test('gen/ holds every package, and each service its service, events and jobs files', () => {
  const packages = new Set(files.map((file) => file.proto.package));
  for (const name of [...SERVICES.map((s) => `${s}.v1`), 'mesh.v1', 'grpc.health.v1', 'grpc.reflection.v1']) {
    assert.ok(packages.has(name), `no generated file for package ${name}; run buf generate`);
  }
  const names = new Set(files.map((file) => file.proto.name));
  for (const service of SERVICES) {
    for (const suffix of ['service', 'events', 'jobs']) {
      assert.ok(names.has(`${service}/v1/${service}_${suffix}.proto`), `missing ${service}/v1/${service}_${suffix}.proto`);
    }
  }
});

for (const file of files) {
  test(`round trip: ${file.proto.name}`, async (t) => {
    const messages = allMessages([file]);
    assert.ok(messages.length > 0 || file.extensions.length > 0, 'file declares nothing');
    for (const desc of messages) {
      await t.test(desc.typeName, () => {
        for (let variant = 0; variant < variantCount(desc); variant++) assertRoundTrip(desc, variant);
      });
    }
  });
}

function assertRoundTrip(desc: DescMessage, variant: number): void {
  const message = fillMessage(desc, variant);
  for (const field of desc.fields) {
    if (field.oneof) continue;
    assert.ok(isFieldSet(message, field), `filler left ${desc.typeName}.${field.name} unset`);
  }
  for (const oneof of desc.oneofs) {
    assert.ok(oneof.fields.some((field) => isFieldSet(message, field)), `filler left oneof ${oneof.name} unset`);
  }

  const bytes = toBinary(desc, message);
  const fromBytes = fromBinary(desc, bytes);
  assert.ok(equals(desc, message, fromBytes), `binary round trip changed ${desc.typeName} (variant ${variant})`);

  const json = toJsonString(desc, message);
  const fromJson = fromJsonString(desc, json);
  assert.ok(equals(desc, message, fromJson), `JSON round trip changed ${desc.typeName} (variant ${variant}): ${json}`);

  // Both encodings must agree, not just each be self-consistent.
  assert.deepEqual(toBinary(desc, fromJson), bytes);
}

test('no money-named field is a float or double', () => {
  assert.deepEqual(floatMoneyFields(files), []);
});

test('every Get/List/BatchGet/Validate RPC is NO_SIDE_EFFECTS', () => {
  const methods = files.flatMap((file) => file.services).flatMap((service) => service.methods);
  assert.ok(methods.length >= 40, `expected the full RPC surface, found ${methods.length} methods`);
  assert.deepEqual(sideEffectingReads(files), []);
});

test('event and job payloads do not embed the envelope metadata', () => {
  assert.deepEqual(embeddedEventMetadata(files), []);
});

test('every (mesh.v1.field) rule can be applied as written', () => {
  assert.deepEqual(invalidFieldRules(files), []);
});

// The checks above pass on today's contracts; these prove they can fail.
test('the contract checks catch a broken contract', () => {
  const bad = badFile();
  assert.deepEqual(floatMoneyFields([bad]), [
    'bad.v1.GetWidgetResponse.total_amount',
    'bad.v1.GetWidgetResponse.unit_prices',
  ]);
  assert.deepEqual(sideEffectingReads([bad]), ['bad.v1.WidgetService.GetWidget']);
});

/** badFile is a contract with a double amount, a float list of prices and a read RPC without NO_SIDE_EFFECTS. */
function badFile(): DescFile {
  const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
  const proto = create(FileDescriptorProtoSchema, {
    name: 'bad/v1/bad.proto',
    package: 'bad.v1',
    syntax: 'proto3',
    messageType: [
      { name: 'GetWidgetRequest' },
      {
        name: 'GetWidgetResponse',
        field: [
          { name: 'total_amount', jsonName: 'totalAmount', number: 1, label: OPTIONAL, type: FieldDescriptorProto_Type.DOUBLE },
          { name: 'unit_prices', jsonName: 'unitPrices', number: 2, label: REPEATED, type: FieldDescriptorProto_Type.FLOAT },
          { name: 'ratio', jsonName: 'ratio', number: 3, label: OPTIONAL, type: FieldDescriptorProto_Type.DOUBLE },
        ],
      },
    ],
    service: [
      {
        name: 'WidgetService',
        method: [
          {
            name: 'GetWidget',
            inputType: '.bad.v1.GetWidgetRequest',
            outputType: '.bad.v1.GetWidgetResponse',
            options: { idempotencyLevel: MethodOptions_IdempotencyLevel.IDEMPOTENT },
          },
          {
            name: 'ListWidgets',
            inputType: '.bad.v1.GetWidgetRequest',
            outputType: '.bad.v1.GetWidgetResponse',
            options: { idempotencyLevel: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS },
          },
        ],
      },
    ],
  });
  const file = createFileRegistry(proto, () => undefined).getFile('bad/v1/bad.proto');
  assert.ok(file);
  return file;
}
