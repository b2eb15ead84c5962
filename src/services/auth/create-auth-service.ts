import { create, equals } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { UserCreatedSchema, UserDeletedSchema, UserUpdatedSchema } from '../../../gen/auth/v1/auth_events_pb.js';
import { AuthService, ValidateUserResponse_Reason } from '../../../gen/auth/v1/auth_service_pb.js';
import { BasicProfileSchema, Role, UserSchema, UserStatus, type User } from '../../../gen/auth/v1/user_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { createServicePublisher } from '../shared/service-publisher.js';
import { nowTimestamp, systemClock } from '../shared/clock.js';
import { applyFieldMask } from '../shared/field-mask.js';
import { newId } from '../shared/new-id.js';
import type { ServiceDependencies } from '../shared/service-dependencies.js';
import { alreadyExists, failedPrecondition, ErrorReasons, invalidArgument, notFound, requireField } from '../shared/service-errors.js';
import { AuthStore } from './auth-store.js';

/** AUTH_DOMAIN is the ErrorInfo domain of the auth service's errors. */
export const AUTH_DOMAIN = 'auth';

/** USER_IMMUTABLE_FIELDS are the User fields UpdateUser refuses to touch (auth_service.proto). */
export const USER_IMMUTABLE_FIELDS = ['user_id', 'status', 'created_at', 'updated_at'] as const;

const AGGREGATE = { aggregateType: 'user' } as const;

function checkRoles(roles: readonly Role[], field: string): Role[] {
  if (roles.some((role) => role === Role.UNSPECIFIED || Role[role] === undefined)) throw invalidArgument(field, 'enum', 'must hold defined roles');
  return [...new Set(roles)];
}

/**
 * createAuthService implements AuthService over an AuthStore: users with
 * roles, public profiles, ValidateUser answers, field-mask updates and
 * tombstone deletes, each change published on the USERS channel.
 */
export function createAuthService(deps: ServiceDependencies<AuthStore>): ServiceImpl<typeof AuthService> {
  const store = deps.store ?? new AuthStore();
  const clock = deps.clock ?? systemClock;
  const events = createServicePublisher(deps.events, clock);

  function getUser(userId: string): User {
    const user = store.getUser(userId);
    if (!user) throw notFound(AUTH_DOMAIN, 'user', userId);
    return user;
  }

  return {
    getUser(request) {
      return { user: getUser(request.userId) };
    },

    batchGetUsers(request) {
      return { users: request.userIds.map(getUser) };
    },

    validateUser(request) {
      const user = store.getUser(request.userId);
      const invalid = (reason: ValidateUserResponse_Reason) => ({ valid: false, user, reason });
      if (!user) return invalid(ValidateUserResponse_Reason.NOT_FOUND);
      if (user.status === UserStatus.DELETED) return invalid(ValidateUserResponse_Reason.DELETED);
      if (user.status === UserStatus.SUSPENDED) return invalid(ValidateUserResponse_Reason.SUSPENDED);
      if (request.requiredRole !== Role.UNSPECIFIED && !user.roles.includes(request.requiredRole)) {
        return invalid(ValidateUserResponse_Reason.MISSING_ROLE);
      }
      return { valid: true, user, reason: ValidateUserResponse_Reason.UNSPECIFIED };
    },

    getBasicProfile(request) {
      const user = getUser(request.userId);
      // A deleted user's profile is gone: consumers were told to drop their copies.
      if (user.status === UserStatus.DELETED) throw notFound(AUTH_DOMAIN, 'user', request.userId);
      return { profile: create(BasicProfileSchema, { userId: user.userId, displayName: user.displayName, avatarUrl: user.avatarUrl, roles: user.roles }) };
    },

    createUser(request) {
      return store.mutex.runExclusive(async () => {
        const roles = checkRoles(request.roles, 'roles');
        if (roles.length === 0) throw invalidArgument('roles', 'required', 'must hold at least one role');
        if (store.findByEmail(request.email)) throw alreadyExists(AUTH_DOMAIN, `email ${JSON.stringify(request.email)} is taken`, { email: request.email });
        const now = nowTimestamp(clock);
        const user = create(UserSchema, {
          userId: newId('usr'),
          email: request.email,
          displayName: request.displayName,
          roles,
          status: UserStatus.ACTIVE,
          emailVerified: false,
          avatarUrl: request.avatarUrl,
          createdAt: now,
          updatedAt: now,
        });
        const event = create(UserCreatedSchema, { userId: user.userId, email: user.email, displayName: user.displayName, roles, createdAt: now });
        await events.publish(EventChannels.USERS, UserCreatedSchema, event, { aggregateId: user.userId, ...AGGREGATE });
        store.saveUser(user);
        store.counters.increment('usersCreated');
        return { user };
      });
    },

    updateUser(request) {
      return store.mutex.runExclusive(async () => {
        const changes = requireField(request.user, 'user');
        const mask = requireField(request.updateMask, 'update_mask');
        const current = getUser(changes.userId);
        if (current.status === UserStatus.DELETED) {
          throw failedPrecondition(AUTH_DOMAIN, ErrorReasons.INVALID_STATE, `user ${current.userId} is deleted`, { user_id: current.userId });
        }
        const updated = applyFieldMask(UserSchema, current, changes, mask.paths, USER_IMMUTABLE_FIELDS);
        updated.roles = checkRoles(updated.roles, 'user.roles');
        if (updated.roles.length === 0) throw invalidArgument('user.roles', 'required', 'must hold at least one role');
        if (updated.displayName === '') throw invalidArgument('user.display_name', 'required', 'is required');
        if (updated.email.toLowerCase() !== current.email.toLowerCase()) {
          if (!/^[^@\s]+@[^@\s]+$/.test(updated.email)) throw invalidArgument('user.email', 'email', 'must be an email address');
          if (store.findByEmail(updated.email)) throw alreadyExists(AUTH_DOMAIN, `email ${JSON.stringify(updated.email)} is taken`, { email: updated.email });
          updated.emailVerified = mask.paths.includes('email_verified') ? updated.emailVerified : false;
        }
        // An update that changes nothing is a retry: same state, no second event.
        if (equals(UserSchema, updated, current)) return { user: current };
        updated.updatedAt = nowTimestamp(clock);
        const event = create(UserUpdatedSchema, { userId: updated.userId, user: updated, updateMask: mask, updatedAt: updated.updatedAt });
        await events.publish(EventChannels.USERS, UserUpdatedSchema, event, { aggregateId: updated.userId, ...AGGREGATE });
        store.saveUser(updated);
        store.counters.increment('usersUpdated');
        return { user: updated };
      });
    },

    deleteUser(request) {
      return store.mutex.runExclusive(async () => {
        const current = getUser(request.userId);
        if (current.status === UserStatus.DELETED) return {};
        const now = nowTimestamp(clock);
        const deleted = create(UserSchema, { ...current, status: UserStatus.DELETED, updatedAt: now });
        await events.publish(EventChannels.USERS, UserDeletedSchema, create(UserDeletedSchema, { userId: current.userId, deletedAt: now }), {
          aggregateId: current.userId,
          ...AGGREGATE,
        });
        store.saveUser(deleted);
        store.counters.increment('usersDeleted');
        return {};
      });
    },
  };
}
