import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { BillingService } from '../../../gen/billing/v1/billing_service_pb.js';
import { CockpitService } from '../../../gen/cockpit/v1/cockpit_service_pb.js';
import { MarketService } from '../../../gen/market/v1/market_service_pb.js';
import { NotificationService } from '../../../gen/notification/v1/notification_service_pb.js';
import { SkillpodService } from '../../../gen/skillpod/v1/skillpod_service_pb.js';

/** MESH_SERVICES maps each service name to its generated service descriptor. */
export const MESH_SERVICES = Object.freeze({
  auth: AuthService,
  market: MarketService,
  skillpod: SkillpodService,
  cockpit: CockpitService,
  billing: BillingService,
  notification: NotificationService,
});

/** MeshServices is the type of MESH_SERVICES: descriptor type per service name. */
export type MeshServices = typeof MESH_SERVICES;
