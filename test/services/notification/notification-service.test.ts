import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { FieldMaskSchema } from '@bufbuild/protobuf/wkt';
import { Code, type Client } from '@connectrpc/connect';
import { NotificationSentSchema } from '../../../gen/notification/v1/notification_events_pb.js';
import { NotificationService } from '../../../gen/notification/v1/notification_service_pb.js';
import { Channel, NotificationPreferencesSchema } from '../../../gen/notification/v1/preferences_pb.js';
import { EventChannels } from '../../../src/events/event-channels.js';
import { DEFAULT_NOTIFICATION_CHANNELS } from '../../../src/services/notification/notification-store.js';
import { rejectsWith, serveForTest, type TestService } from '../service-harness.js';

const mask = (...paths: string[]) => create(FieldMaskSchema, { paths });

describe('notification service', () => {
  let service: TestService<'notification'>;
  let client: Client<typeof NotificationService>;

  before(async () => {
    service = await serveForTest('notification');
    client = service.client(NotificationService);
  });
  after(() => service.close());

  test('SendEmail, SendPush and SendSms put one message each in the outbox and publish NotificationSent', async () => {
    service.events.clear();
    const email = await client.sendEmail({ to: 'ada@example.com', templateId: 'welcome', variables: { name: 'Ada' } });
    const push = await client.sendPush({ userId: 'usr_p', title: 'Hi', body: 'there', data: { deep: 'link' } });
    const sms = await client.sendSms({ phoneNumber: '+4915112345678', body: 'code 1234' });
    const ids = [email.notificationId, push.notificationId, sms.notificationId];
    assert.equal(new Set(ids).size, 3);
    const sent = service.store.outbox.filter((message) => ids.includes(message.notificationId));
    assert.deepEqual(sent.map((m) => [m.channel, m.to]), [
      [Channel.EMAIL, 'ada@example.com'],
      [Channel.PUSH, 'usr_p'],
      [Channel.SMS, '+4915112345678'],
    ]);
    assert.deepEqual(sent[0]?.data, { name: 'Ada' });
    const events = service.events.ofType(NotificationSentSchema);
    assert.deepEqual(events.map((e) => [e.notificationId, e.channel]), [
      [ids[0], Channel.EMAIL],
      [ids[1], Channel.PUSH],
      [ids[2], Channel.SMS],
    ]);
    assert.equal(events[0]?.templateId, 'welcome');
    assert.ok(service.events.events.every((e) => e.channel === EventChannels.NOTIFICATIONS));
    assert.deepEqual(service.events.events.map((e) => e.aggregateId), ids);
    assert.deepEqual([service.store.counters.get('emailsSent'), service.store.counters.get('pushesSent'), service.store.counters.get('smsSent')], [1, 1, 1]);
    await rejectsWith(client.sendSms({ phoneNumber: '015112345678', body: 'x' }), Code.InvalidArgument);
  });

  test('GetPreferences has defaults; UpdatePreferences overwrites masked fields and validates addresses', async () => {
    const defaults = (await client.getPreferences({ userId: 'usr_new' })).preferences!;
    assert.deepEqual([defaults.userId, defaults.channels], ['usr_new', [...DEFAULT_NOTIFICATION_CHANNELS]]);
    const changes = create(NotificationPreferencesSchema, {
      userId: 'usr_new',
      channels: [Channel.EMAIL, Channel.SMS, Channel.EMAIL],
      email: 'new@example.com',
      phoneNumber: '+4915112345678',
      mutedTopics: ['marketing'],
    });
    const updated = (await client.updatePreferences({ preferences: changes, updateMask: mask('channels', 'email') })).preferences!;
    assert.deepEqual([updated.channels, updated.email, updated.phoneNumber, updated.mutedTopics], [[Channel.EMAIL, Channel.SMS], 'new@example.com', '', []]);
    assert.ok(updated.updatedAt);
    const count = service.store.counters.get('preferencesUpdated');
    await client.updatePreferences({ preferences: changes, updateMask: mask('channels', 'email') });
    assert.equal(service.store.counters.get('preferencesUpdated'), count, 'a repeated update changes nothing');
    assert.deepEqual((await client.getPreferences({ userId: 'usr_new' })).preferences?.email, 'new@example.com');
    const bad = (fields: { phoneNumber?: string; email?: string; channels?: Channel[] }, ...paths: string[]) =>
      client.updatePreferences({ preferences: create(NotificationPreferencesSchema, { userId: 'usr_new', ...fields }), updateMask: mask(...paths) });
    await rejectsWith(bad({ phoneNumber: '12345' }, 'phone_number'), Code.InvalidArgument);
    await rejectsWith(bad({ email: 'not-an-email' }, 'email'), Code.InvalidArgument);
    await rejectsWith(bad({ channels: [Channel.UNSPECIFIED] }, 'channels'), Code.InvalidArgument);
    await rejectsWith(bad({}, 'user_id'), Code.InvalidArgument);
    await rejectsWith(bad({}, 'nope'), Code.InvalidArgument);
    await rejectsWith(bad({}), Code.InvalidArgument);
  });

  test('NotifyUser fans out to enabled channels that have an address, and to none when the topic is muted', async () => {
    const userId = 'usr_fan';
    await client.updatePreferences({
      preferences: create(NotificationPreferencesSchema, {
        userId,
        channels: [Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.IN_APP],
        email: 'fan@example.com',
        mutedTopics: ['marketing'],
      }),
      updateMask: mask('channels', 'email', 'muted_topics'),
    });
    service.events.clear();
    const notified = await client.notifyUser({ userId, title: 'Bid accepted', body: 'Your bid won', topic: 'bids', data: { bid_id: 'bid_1' } });
    // SMS is enabled but has no phone number, so it is skipped.
    assert.deepEqual(notified.channels, [Channel.EMAIL, Channel.PUSH, Channel.IN_APP]);
    const messages = service.store.sentTo(userId);
    assert.deepEqual(messages.map((m) => [m.channel, m.to]), [
      [Channel.EMAIL, 'fan@example.com'],
      [Channel.PUSH, userId],
      [Channel.IN_APP, userId],
    ]);
    assert.ok(messages.every((m) => m.notificationId === notified.notificationId && m.title === 'Bid accepted' && m.data.bid_id === 'bid_1'));
    assert.deepEqual(service.events.ofType(NotificationSentSchema).map((e) => e.channel), [Channel.EMAIL, Channel.PUSH, Channel.IN_APP]);
    const muted = await client.notifyUser({ userId, title: 'Sale', body: '50% off', topic: 'marketing' });
    assert.deepEqual(muted.channels, []);
    assert.equal(service.store.sentTo(userId).length, 3);
    assert.equal(service.store.counters.get('notificationsMuted'), 1);
    // A user without preferences gets the defaults: in-app only, as email has no address.
    assert.deepEqual((await client.notifyUser({ userId: 'usr_plain', title: 't', body: 'b' })).channels, [Channel.IN_APP]);
  });
});
