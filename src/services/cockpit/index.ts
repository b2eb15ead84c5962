export { COCKPIT_EFFECTS, CockpitStore, type CockpitEffect, type ContractFunds } from './cockpit-store.js';
export { COCKPIT_DOMAIN, MAX_MINUTES_PER_DAY, createCockpitService } from './create-cockpit-service.js';
export { createCockpitReactions, type CockpitReactions } from './create-cockpit-reactions.js';
export { isCalendarDay, weekOf } from './calendar-days.js';
