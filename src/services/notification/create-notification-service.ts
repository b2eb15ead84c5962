import { create, equals } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { NotificationSentSchema } from '../../../gen/notification/v1/notification_events_pb.js';
import { NotificationService } from '../../../gen/notification/v1/notification_service_pb.js';
import { Channel, NotificationPreferencesSchema } from '../../../gen/notification/v1/preferences_pb.js';
import { EventChannels } from '../../events/event-channels.js';
import { createServicePublisher } from '../shared/service-publisher.js';
import { nowTimestamp, systemClock } from '../shared/clock.js';
import { applyFieldMask } from '../shared/field-mask.js';
import { newId } from '../shared/new-id.js';
import type { ServiceDependencies } from '../shared/service-dependencies.js';
import { invalidArgument, requireField } from '../shared/service-errors.js';
import { NotificationStore, type NotificationEffect, type OutboxMessage } from './notification-store.js';

/** NOTIFY_USER_TEMPLATE_ID is the template NotifyUser renders its title and body with, on every channel. */
export const NOTIFY_USER_TEMPLATE_ID = 'user-notification';

/** PREFERENCES_IMMUTABLE_FIELDS are the preference fields UpdatePreferences refuses to touch. */
export const PREFERENCES_IMMUTABLE_FIELDS = ['user_id', 'updated_at'] as const;

const E164_PATTERN = /^\+[1-9][0-9]{1,14}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;

const EFFECT_OF_CHANNEL: Record<Channel, NotificationEffect | undefined> = {
  [Channel.UNSPECIFIED]: undefined,
  [Channel.EMAIL]: 'emailsSent',
  [Channel.PUSH]: 'pushesSent',
  [Channel.SMS]: 'smsSent',
  [Channel.IN_APP]: 'inAppSent',
};

/**
 * createNotificationService implements NotificationService over a
 * NotificationStore: Send* put one message in the outbox, NotifyUser fans
 * out to the user's enabled channels that have an address (none when the
 * topic is muted), and every message sent publishes NotificationSent on the
 * NOTIFICATIONS channel.
 */
export function createNotificationService(deps: ServiceDependencies<NotificationStore>): ServiceImpl<typeof NotificationService> {
  const store = deps.store ?? new NotificationStore();
  const clock = deps.clock ?? systemClock;
  const events = createServicePublisher(deps.events, clock);

  // Publish every message's event, then commit them all: a failed publish sends nothing.
  async function send(messages: Omit<OutboxMessage, 'sentAt'>[]): Promise<void> {
    const sentAt = clock();
    for (const message of messages) {
      const event = create(NotificationSentSchema, {
        notificationId: message.notificationId,
        userId: message.userId,
        channel: message.channel,
        templateId: message.templateId,
        sentAt: nowTimestamp(() => sentAt),
      });
      await events.publish(EventChannels.NOTIFICATIONS, NotificationSentSchema, event, { aggregateId: message.notificationId, aggregateType: 'notification' });
    }
    for (const message of messages) {
      store.outbox.push({ ...message, sentAt });
      const effect = EFFECT_OF_CHANNEL[message.channel];
      if (effect) store.counters.increment(effect);
    }
  }

  return {
    sendEmail(request) {
      return store.mutex.runExclusive(async () => {
        const notificationId = newId('ntf');
        await send([{ notificationId, channel: Channel.EMAIL, userId: '', to: request.to, templateId: request.templateId, title: '', body: '', data: { ...request.variables } }]);
        return { notificationId };
      });
    },

    sendPush(request) {
      return store.mutex.runExclusive(async () => {
        const notificationId = newId('ntf');
        await send([{ notificationId, channel: Channel.PUSH, userId: request.userId, to: request.userId, templateId: '', title: request.title, body: request.body, data: { ...request.data } }]);
        return { notificationId };
      });
    },

    sendSms(request) {
      return store.mutex.runExclusive(async () => {
        if (!E164_PATTERN.test(request.phoneNumber)) throw invalidArgument('phone_number', 'pattern', 'must be an E.164 number');
        const notificationId = newId('ntf');
        await send([{ notificationId, channel: Channel.SMS, userId: '', to: request.phoneNumber, templateId: '', title: '', body: request.body, data: {} }]);
        return { notificationId };
      });
    },

    notifyUser(request) {
      return store.mutex.runExclusive(async () => {
        const notificationId = newId('ntf');
        const preferences = store.preferencesOf(request.userId);
        if (request.topic !== '' && preferences.mutedTopics.includes(request.topic)) {
          store.counters.increment('notificationsMuted');
          return { notificationId, channels: [] };
        }
        const addressOf = (channel: Channel): string =>
          channel === Channel.EMAIL ? preferences.email : channel === Channel.SMS ? preferences.phoneNumber : request.userId;
        const channels = preferences.channels.filter((channel) => EFFECT_OF_CHANNEL[channel] !== undefined && addressOf(channel) !== '');
        const data = { ...request.data, ...(request.topic ? { topic: request.topic } : {}) };
        await send(
          channels.map((channel) => ({
            notificationId,
            channel,
            userId: request.userId,
            to: addressOf(channel),
            templateId: NOTIFY_USER_TEMPLATE_ID,
            title: request.title,
            body: request.body,
            data,
          })),
        );
        return { notificationId, channels };
      });
    },

    getPreferences(request) {
      return { preferences: store.preferencesOf(request.userId) };
    },

    updatePreferences(request) {
      return store.mutex.runExclusive(() => {
        const changes = requireField(request.preferences, 'preferences');
        const mask = requireField(request.updateMask, 'update_mask');
        if (changes.userId === '') throw invalidArgument('preferences.user_id', 'required', 'is required');
        const current = store.preferencesOf(changes.userId);
        const updated = applyFieldMask(NotificationPreferencesSchema, current, changes, mask.paths, PREFERENCES_IMMUTABLE_FIELDS);
        if (updated.channels.some((channel) => EFFECT_OF_CHANNEL[channel] === undefined)) {
          throw invalidArgument('preferences.channels', 'enum', 'must hold defined channels');
        }
        updated.channels = [...new Set(updated.channels)];
        updated.mutedTopics = [...new Set(updated.mutedTopics)];
        if (updated.email !== '' && !EMAIL_PATTERN.test(updated.email)) throw invalidArgument('preferences.email', 'email', 'must be an email address');
        if (updated.phoneNumber !== '' && !E164_PATTERN.test(updated.phoneNumber)) throw invalidArgument('preferences.phone_number', 'pattern', 'must be an E.164 number');
        if (store.preferences.has(changes.userId) && equals(NotificationPreferencesSchema, updated, current)) return { preferences: current };
        updated.updatedAt = nowTimestamp(clock);
        store.preferences.set(updated.userId, updated);
        store.counters.increment('preferencesUpdated');
        return { preferences: updated };
      });
    },
  };
}
