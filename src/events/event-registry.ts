import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf';
import { file_auth_v1_auth_events } from '../../gen/auth/v1/auth_events_pb.js';
import { file_billing_v1_billing_events } from '../../gen/billing/v1/billing_events_pb.js';
import { file_cockpit_v1_cockpit_events } from '../../gen/cockpit/v1/cockpit_events_pb.js';
import { file_market_v1_market_events } from '../../gen/market/v1/market_events_pb.js';
import { file_notification_v1_notification_events } from '../../gen/notification/v1/notification_events_pb.js';
import { file_skillpod_v1_skillpod_events } from '../../gen/skillpod/v1/skillpod_events_pb.js';

/** EVENT_FILES are the generated `*_events_pb` files: every message in them is a domain event. */
export const EVENT_FILES: readonly DescFile[] = [
  file_auth_v1_auth_events,
  file_billing_v1_billing_events,
  file_cockpit_v1_cockpit_events,
  file_market_v1_market_events,
  file_notification_v1_notification_events,
  file_skillpod_v1_skillpod_events,
];

/**
 * createEventRegistry returns a protobuf registry that resolves a `ce_type`
 * to its schema: the top-level messages of `files` (by default EVENT_FILES)
 * and nothing else, so a resource type such as `auth.v1.User` is not an event.
 */
export function createEventRegistry(files: readonly DescFile[] = EVENT_FILES): Registry {
  return createRegistry(...files);
}

/** defaultEventRegistry knows every domain event of the generated code. */
export const defaultEventRegistry: Registry = createEventRegistry();
