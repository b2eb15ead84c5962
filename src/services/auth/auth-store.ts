import type { User } from '../../../gen/auth/v1/user_pb.js';
import { UserStatus } from '../../../gen/auth/v1/user_pb.js';
import { EffectCounters } from '../shared/effect-counters.js';
import { Mutex } from '../shared/mutex.js';

/** AUTH_EFFECTS names the auth store's effect counters. */
export const AUTH_EFFECTS = ['usersCreated', 'usersUpdated', 'usersDeleted'] as const;

/** AuthEffect is one of AUTH_EFFECTS. */
export type AuthEffect = (typeof AUTH_EFFECTS)[number];

/**
 * AuthStore keeps users in memory. Records are replaced, never mutated in
 * place, so a message handed to a response cannot change under it.
 */
export class AuthStore {
  readonly users = new Map<string, User>();
  readonly counters = new EffectCounters<AuthEffect>(AUTH_EFFECTS);
  /** mutex serializes mutations (see Mutex). */
  readonly mutex = new Mutex();

  /** getUser returns a user by id, deleted ones included. */
  getUser(userId: string): User | undefined {
    return this.users.get(userId);
  }

  /** findByEmail returns the live (not deleted) user holding an email, compared case-insensitively. */
  findByEmail(email: string): User | undefined {
    const wanted = email.toLowerCase();
    for (const user of this.users.values()) {
      if (user.status !== UserStatus.DELETED && user.email.toLowerCase() === wanted) return user;
    }
    return undefined;
  }

  /** saveUser inserts or replaces a user. */
  saveUser(user: User): void {
    this.users.set(user.userId, user);
  }
}
