/**
 * EventChannels maps the named channels of the older design to Kafka topics;
 * ALL is not a topic but a pattern over every channel.
 */
export const EventChannels = {
  USERS: 'events.users',
  JOBS: 'events.jobs',
  BIDS: 'events.bids',
  CONTRACTS: 'events.contracts',
  SKILLPODS: 'events.skillpods',
  PAYMENTS: 'events.payments',
  NOTIFICATIONS: 'events.notifications',
  REVIEWS: 'events.reviews',
  SYSTEM: 'events.system',
  AUDIT: 'events.audit',
} as const;

/** EventChannel is the topic of one named channel. */
export type EventChannel = (typeof EventChannels)[keyof typeof EventChannels];

/** ChannelName is a channel of EventChannels, or another channel a deployment declares (autocompletion keeps the named ones). */
export type ChannelName = EventChannel | (string & {});

/** ALL_EVENTS_PATTERN matches every event channel, including ones created later (but not their DLQs). */
export const ALL_EVENTS_PATTERN = /^events\.(?!.*\.dlq$)[a-z0-9._-]+$/;
