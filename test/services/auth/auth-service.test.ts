import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { FieldMaskSchema } from '@bufbuild/protobuf/wkt';
import { Code, type Client } from '@connectrpc/connect';
import { UserCreatedSchema, UserDeletedSchema, UserUpdatedSchema } from '../../../gen/auth/v1/auth_events_pb.js';
import { AuthService, ValidateUserResponse_Reason } from '../../../gen/auth/v1/auth_service_pb.js';
import { Role, UserSchema, UserStatus } from '../../../gen/auth/v1/user_pb.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { eventTypes, rejectsWith, serveForTest, type TestService } from '../service-harness.js';

describe('auth service', () => {
  let service: TestService<'auth'>;
  let client: Client<typeof AuthService>;

  before(async () => {
    service = await serveForTest('auth');
    client = service.client(AuthService);
  });
  after(() => service.close());

  const newUser = (email: string, roles = [Role.CLIENT]) => client.createUser({ email, displayName: email.split('@')[0]!, roles });

  test('CreateUser creates an ACTIVE user and publishes UserCreated on USERS; a taken email is ALREADY_EXISTS', async () => {
    service.events.clear();
    const { user } = await newUser('ada@example.com', [Role.CLIENT, Role.FREELANCER, Role.CLIENT]);
    assert.ok(user);
    assert.ok(user.userId.startsWith('usr_'));
    assert.equal(user.status, UserStatus.ACTIVE);
    assert.deepEqual(user.roles, [Role.CLIENT, Role.FREELANCER]);
    assert.ok(user.createdAt);
    const [event] = service.events.events;
    assert.equal(event?.channel, EventChannels.USERS);
    assert.equal(event?.aggregateId, user.userId);
    assert.deepEqual(service.events.ofType(UserCreatedSchema).map((e) => e.email), ['ada@example.com']);
    await rejectsWith(newUser('ADA@example.com'), Code.AlreadyExists, 'ALREADY_EXISTS');
    await rejectsWith(client.createUser({ email: 'x@example.com', displayName: 'x', roles: [] }), Code.InvalidArgument);
    await rejectsWith(client.createUser({ email: 'x@example.com', displayName: 'x', roles: [Role.UNSPECIFIED] }), Code.InvalidArgument);
    assert.equal(service.store.counters.get('usersCreated'), 1);
    assert.deepEqual(eventTypes(service.events), ['UserCreated']);
  });

  test('GetUser, BatchGetUsers (request order, any unknown id fails all) and GetBasicProfile', async () => {
    const { user: a } = await newUser('a@example.com');
    const { user: b } = await newUser('b@example.com', [Role.FREELANCER]);
    assert.equal((await client.getUser({ userId: a!.userId })).user?.email, 'a@example.com');
    await rejectsWith(client.getUser({ userId: 'usr_missing' }), Code.NotFound, 'NOT_FOUND');
    const batch = await client.batchGetUsers({ userIds: [b!.userId, a!.userId] });
    assert.deepEqual(batch.users.map((user) => user.userId), [b!.userId, a!.userId]);
    await rejectsWith(client.batchGetUsers({ userIds: [a!.userId, 'usr_missing'] }), Code.NotFound);
    const { profile } = await client.getBasicProfile({ userId: b!.userId });
    assert.deepEqual([profile?.displayName, profile?.roles], ['b', [Role.FREELANCER]]);
    assert.equal((profile as unknown as Record<string, unknown>).email, undefined);
    await rejectsWith(client.getBasicProfile({ userId: 'usr_missing' }), Code.NotFound);
  });

  test('ValidateUser answers valid=false with a reason instead of failing', async () => {
    const { user } = await newUser('v@example.com', [Role.FREELANCER]);
    const id = user!.userId;
    assert.deepEqual(await pick(client.validateUser({ userId: id, requiredRole: Role.FREELANCER })), [true, ValidateUserResponse_Reason.UNSPECIFIED]);
    assert.deepEqual(await pick(client.validateUser({ userId: id })), [true, ValidateUserResponse_Reason.UNSPECIFIED]);
    assert.deepEqual(await pick(client.validateUser({ userId: id, requiredRole: Role.ADMIN })), [false, ValidateUserResponse_Reason.MISSING_ROLE]);
    assert.deepEqual(await pick(client.validateUser({ userId: 'usr_nobody' })), [false, ValidateUserResponse_Reason.NOT_FOUND]);
    service.store.saveUser(create(UserSchema, { ...user!, status: UserStatus.SUSPENDED }));
    const suspended = await client.validateUser({ userId: id });
    assert.deepEqual([suspended.valid, suspended.reason, suspended.user?.userId], [false, ValidateUserResponse_Reason.SUSPENDED, id]);
  });

  test('UpdateUser overwrites only the masked fields, refuses immutable ones, and publishes UserUpdated once', async () => {
    const { user } = await newUser('u@example.com');
    const id = user!.userId;
    service.events.clear();
    const mask = (...paths: string[]) => create(FieldMaskSchema, { paths });
    const changes = create(UserSchema, { userId: id, displayName: 'New Name', avatarUrl: 'https://x/a.png', email: 'ignored@example.com' });
    const { user: updated } = await client.updateUser({ user: changes, updateMask: mask('display_name', 'avatar_url') });
    assert.deepEqual([updated?.displayName, updated?.avatarUrl, updated?.email], ['New Name', 'https://x/a.png', 'u@example.com']);
    const again = await client.updateUser({ user: changes, updateMask: mask('display_name', 'avatar_url') });
    assert.equal(again.user?.displayName, 'New Name');
    const events = service.events.ofType(UserUpdatedSchema);
    assert.equal(events.length, 1, 'a repeated update changes nothing and publishes nothing');
    assert.deepEqual(events[0]?.updateMask?.paths, ['display_name', 'avatar_url']);
    assert.equal(events[0]?.user?.displayName, 'New Name');
    await rejectsWith(client.updateUser({ user: changes, updateMask: mask('status') }), Code.InvalidArgument);
    await rejectsWith(client.updateUser({ user: changes, updateMask: mask('user_id') }), Code.InvalidArgument);
    await rejectsWith(client.updateUser({ user: changes, updateMask: mask('no_such_field') }), Code.InvalidArgument);
    await rejectsWith(client.updateUser({ user: changes, updateMask: mask() }), Code.InvalidArgument);
    await rejectsWith(client.updateUser({ user: create(UserSchema, { userId: 'usr_missing' }), updateMask: mask('display_name') }), Code.NotFound);
    await newUser('taken@example.com');
    await rejectsWith(client.updateUser({ user: create(UserSchema, { userId: id, email: 'taken@example.com' }), updateMask: mask('email') }), Code.AlreadyExists);
    assert.equal(service.store.getUser(id)?.displayName, 'New Name');
  });

  test('DeleteUser tombstones a user once; deleting again succeeds; a deleted user cannot be updated', async () => {
    const { user } = await newUser('d@example.com');
    const id = user!.userId;
    service.events.clear();
    const before = service.store.counters.get('usersDeleted');
    await client.deleteUser({ userId: id });
    await client.deleteUser({ userId: id });
    assert.equal(service.store.counters.get('usersDeleted'), before + 1);
    assert.deepEqual(service.events.ofType(UserDeletedSchema).map((event) => event.userId), [id]);
    assert.equal((await client.getUser({ userId: id })).user?.status, UserStatus.DELETED);
    assert.deepEqual(await pick(client.validateUser({ userId: id })), [false, ValidateUserResponse_Reason.DELETED]);
    await rejectsWith(client.getBasicProfile({ userId: id }), Code.NotFound);
    await rejectsWith(
      client.updateUser({ user: create(UserSchema, { userId: id, displayName: 'z' }), updateMask: create(FieldMaskSchema, { paths: ['display_name'] }) }),
      Code.FailedPrecondition,
    );
    await rejectsWith(client.deleteUser({ userId: 'usr_missing' }), Code.NotFound);
    // The email is free again once its holder is deleted.
    await newUser('d@example.com');
  });

  test('a failed publish is UNAVAILABLE and leaves no trace: no user, no counter', async () => {
    const failing = await serveForTest('auth', {
      events: {
        publish: async () => {
          throw new Error('broker down');
        },
      },
    });
    try {
      const failingClient = failing.client(AuthService, 'grpc');
      await rejectsWith(failingClient.createUser({ email: 'f@example.com', displayName: 'f', roles: [Role.CLIENT] }), Code.Unavailable);
      assert.equal(failing.store.users.size, 0);
      assert.equal(failing.store.counters.get('usersCreated'), 0);
    } finally {
      await failing.close();
    }
  });
});

async function pick(call: Promise<{ valid: boolean; reason: ValidateUserResponse_Reason }>) {
  const response = await call;
  return [response.valid, response.reason];
}
