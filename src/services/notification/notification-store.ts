import { create } from '@bufbuild/protobuf';
import { Channel, NotificationPreferencesSchema, type NotificationPreferences } from '../../../gen/notification/v1/preferences_pb.js';
import { EffectCounters } from '../shared/effect-counters.js';
import { Mutex } from '../shared/mutex.js';

/** NOTIFICATION_EFFECTS names the notification store's effect counters. */
export const NOTIFICATION_EFFECTS = ['emailsSent', 'pushesSent', 'smsSent', 'inAppSent', 'notificationsMuted', 'preferencesUpdated'] as const;

/** NotificationEffect is one of NOTIFICATION_EFFECTS. */
export type NotificationEffect = (typeof NOTIFICATION_EFFECTS)[number];

/** DEFAULT_NOTIFICATION_CHANNELS are the channels of a user who never set preferences (email needs an address first). */
export const DEFAULT_NOTIFICATION_CHANNELS: readonly Channel[] = [Channel.IN_APP, Channel.EMAIL];

/** OutboxMessage is one notification handed to a channel's provider; the reference service stops here. */
export interface OutboxMessage {
  notificationId: string;
  channel: Channel;
  /** userId is empty for messages to bare addresses (SendEmail, SendSms). */
  userId: string;
  /** to is the address used: email, E.164 phone number, or the user id for push and in-app. */
  to: string;
  templateId: string;
  title: string;
  body: string;
  /** data holds template variables (email) or app data (push, in-app). */
  data: Record<string, string>;
  sentAt: Date;
}

/** NotificationStore keeps preferences and the outbox of "sent" messages in memory. */
export class NotificationStore {
  readonly preferences = new Map<string, NotificationPreferences>();
  readonly outbox: OutboxMessage[] = [];
  readonly counters = new EffectCounters<NotificationEffect>(NOTIFICATION_EFFECTS);
  /** mutex serializes mutations (see Mutex). */
  readonly mutex = new Mutex();

  /** preferencesOf returns a user's preferences, or the defaults when they never set any. */
  preferencesOf(userId: string): NotificationPreferences {
    return this.preferences.get(userId) ?? create(NotificationPreferencesSchema, { userId, channels: [...DEFAULT_NOTIFICATION_CHANNELS] });
  }

  /** sentTo returns the outbox messages of one user, oldest first. */
  sentTo(userId: string): OutboxMessage[] {
    return this.outbox.filter((message) => message.userId === userId);
  }
}
