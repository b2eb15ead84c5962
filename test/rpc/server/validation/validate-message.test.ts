import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, type Message } from '@bufbuild/protobuf';
import { CreateUserRequestSchema } from '../../../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../../../gen/auth/v1/user_pb.js';
import { CreateEscrowRequestSchema } from '../../../../gen/billing/v1/billing_service_pb.js';
import { compileMessageRules, validateMessage } from '../../../../src/rpc/server/validation/index.js';
import { SampleSchema } from './sample-schema.js';

const EUR = (units: bigint, nanos = 0) => ({ currencyCode: 'EUR', units, nanos });

function sample(init: Record<string, unknown>): Message {
  return create(SampleSchema, { name: 'abc', kind: 1, count: 5, big: 1n, prices: [EUR(2n)], ...init } as never);
}

function violations(message: Message): string[] {
  return validateMessage(SampleSchema, message).map((v) => `${v.field}:${v.rule}`);
}

describe('validateMessage', () => {
  test('a message that keeps every rule has no violations', () => {
    assert.deepEqual(violations(sample({ email: 'a.b+c@example.org', price: EUR(0n, 1), tags: ['ab'], labels: { k: '12' } })), []);
  });

  test('required: empty string, zero enum and empty list are missing', () => {
    assert.deepEqual(violations(sample({ name: '', kind: 0, prices: [] })), ['name:required', 'kind:required', 'prices:required']);
  });

  test('lengths count code points, and min_len only applies to a non-empty value', () => {
    assert.deepEqual(violations(sample({ name: 'a' })), ['name:min_len']);
    assert.deepEqual(violations(sample({ name: 'abcdef' })), ['name:max_len']);
    assert.deepEqual(violations(sample({ name: '😀😀😀😀😀' })), [], 'five emoji are five characters');
    assert.deepEqual(violations(sample({ data: new Uint8Array(4) })), ['data:max_len']);
    assert.deepEqual(violations(sample({ data: new Uint8Array(3) })), []);
  });

  test('repeated and map fields count elements and check each element', () => {
    assert.deepEqual(violations(sample({ tags: ['a', 'b', 'c'] })), ['tags:max_len']);
    assert.deepEqual(violations(sample({ tags: ['a', 'B'] })), ['tags[1]:pattern']);
    assert.deepEqual(violations(sample({ labels: { a: '1', b: 'x' } })), ['labels:max_len', 'labels["b"]:pattern']);
  });

  test('patterns must match the whole string', () => {
    assert.deepEqual(violations(sample({ choice: { case: 'code', value: 'ABC' } })), ['code:pattern']);
    assert.deepEqual(violations(sample({ choice: { case: 'code', value: 'AB' } })), []);
  });

  test('email accepts an addr-spec and rejects anything else', () => {
    assert.deepEqual(violations(sample({ email: 'nope' })), ['email:email']);
    assert.deepEqual(violations(sample({ email: 'a@b@c' })), ['email:email']);
    assert.deepEqual(violations(sample({ email: 'x@localhost' })), []);
  });

  test('min, max and gt bound integers, including zero values', () => {
    assert.deepEqual(violations(sample({ count: 0 })), ['count:min']);
    assert.deepEqual(violations(sample({ count: 11 })), ['count:max']);
    assert.deepEqual(violations(sample({ count: 10 })), []);
    assert.deepEqual(violations(sample({ big: 0n })), ['big:gt']);
  });

  test('min and gt bound the decimal value of mesh.v1.Money', () => {
    assert.deepEqual(violations(sample({ price: EUR(0n) })), ['price:gt']);
    assert.deepEqual(violations(sample({ price: EUR(-1n, -500_000_000) })), ['price:gt']);
    assert.deepEqual(violations(sample({ prices: [EUR(0n, 500_000_000)] })), ['prices[0]:min']);
    assert.deepEqual(violations(sample({ prices: [EUR(1n)] })), []);
  });

  test('rules inside nested messages apply, with the path to them', () => {
    assert.deepEqual(violations(sample({ price: { currencyCode: 'eur', units: 1n } })), ['price.currency_code:pattern']);
    assert.deepEqual(violations(sample({ child: { name: 'x', kind: 0 } })), [
      'child.name:min_len',
      'child.count:min',
      'child.big:gt',
      'child.kind:required',
      'child.prices:required',
    ]);
    assert.deepEqual(violations(sample({ children: [sample({}), sample({ name: '' })] })), ['children[1].name:required']);
  });

  test('violations carry a readable description', () => {
    const [violation] = validateMessage(SampleSchema, sample({ name: 'abcdef' }));
    assert.deepEqual(violation, { field: 'name', rule: 'max_len', description: 'must be at most 5 characters' });
  });

  test('the contracts: CreateUserRequest and CreateEscrowRequest', () => {
    const user = create(CreateUserRequestSchema, { email: 'someone@example.com', displayName: 'Ada', roles: [Role.CLIENT] });
    assert.deepEqual(validateMessage(CreateUserRequestSchema, user), []);
    const badUser = create(CreateUserRequestSchema, { email: 'not-an-email', roles: [] });
    assert.deepEqual(
      validateMessage(CreateUserRequestSchema, badUser).map((v) => `${v.field}:${v.rule}`),
      ['email:email', 'display_name:required', 'roles:required'],
    );
    const escrow = create(CreateEscrowRequestSchema, { contractId: 'c', clientId: 'a', freelancerId: 'b', amount: EUR(0n) });
    assert.deepEqual(validateMessage(CreateEscrowRequestSchema, escrow).map((v) => `${v.field}:${v.rule}`), ['amount:gt']);
  });

  test('compiled rules are cached per descriptor', () => {
    assert.equal(compileMessageRules(SampleSchema), compileMessageRules(SampleSchema));
  });
});
