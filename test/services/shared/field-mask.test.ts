import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { Role, UserSchema } from '../../../gen/auth/v1/user_pb.js';
import { applyFieldMask } from '../../../src/services/shared/field-mask.js';

const immutable = ['user_id', 'created_at'];
const target = create(UserSchema, { userId: 'u', email: 'a@example.com', displayName: 'A', roles: [Role.CLIENT] });
const source = create(UserSchema, { userId: 'other', email: 'b@example.com', displayName: 'B', roles: [] });
const invalid = (error: unknown) => error instanceof ConnectError && error.code === Code.InvalidArgument;

describe('applyFieldMask', () => {
  test('copies only the named fields, including clearing ones, and leaves the target untouched', () => {
    const updated = applyFieldMask(UserSchema, target, source, ['display_name', 'roles'], immutable);
    assert.deepEqual([updated.userId, updated.email, updated.displayName, updated.roles], ['u', 'a@example.com', 'B', []]);
    assert.equal(target.displayName, 'A');
  });

  test('"*" replaces every mutable field', () => {
    const updated = applyFieldMask(UserSchema, target, source, ['*'], immutable);
    assert.deepEqual([updated.userId, updated.email], ['u', 'b@example.com']);
  });

  test('rejects empty masks, unknown, nested and immutable paths with INVALID_ARGUMENT', () => {
    assert.throws(() => applyFieldMask(UserSchema, target, source, [], immutable), invalid);
    assert.throws(() => applyFieldMask(UserSchema, target, source, ['nope'], immutable), invalid);
    assert.throws(() => applyFieldMask(UserSchema, target, source, ['created_at.seconds'], immutable), invalid);
    assert.throws(() => applyFieldMask(UserSchema, target, source, ['user_id'], immutable), invalid);
  });
});
