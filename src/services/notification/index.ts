export {
  DEFAULT_NOTIFICATION_CHANNELS,
  NOTIFICATION_EFFECTS,
  NotificationStore,
  type NotificationEffect,
  type OutboxMessage,
} from './notification-store.js';
export { NOTIFY_USER_TEMPLATE_ID, PREFERENCES_IMMUTABLE_FIELDS, createNotificationService } from './create-notification-service.js';
