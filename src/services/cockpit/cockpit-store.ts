import type { Project } from '../../../gen/cockpit/v1/project_pb.js';
import type { TimeEntry } from '../../../gen/cockpit/v1/time_entry_pb.js';
import { EffectCounters } from '../shared/effect-counters.js';
import { Mutex } from '../shared/mutex.js';

/** COCKPIT_EFFECTS names the cockpit store's effect counters. */
export const COCKPIT_EFFECTS = ['projectsCreated', 'projectsArchived', 'timeEntriesLogged', 'minutesLogged', 'escrowEventsApplied'] as const;

/** CockpitEffect is one of COCKPIT_EFFECTS. */
export type CockpitEffect = (typeof COCKPIT_EFFECTS)[number];

/** ContractFunds is cockpit's projection of billing's escrow events for one contract, in nanos of one currency. */
export interface ContractFunds {
  currencyCode: string;
  /** pendingNanos is money funded into escrow and not yet released or refunded. */
  pendingNanos: bigint;
  /** releasedNanos is money paid out to the freelancer. */
  releasedNanos: bigint;
}

/** CockpitStore keeps projects, time entries and the escrow projection in memory; records are replaced, never mutated. */
export class CockpitStore {
  readonly projects = new Map<string, Project>();
  readonly timeEntries = new Map<string, TimeEntry>();
  /** funds is keyed by contract id. */
  readonly funds = new Map<string, ContractFunds>();
  /** appliedEscrowEvents remembers which escrow transitions were projected, so a redelivered event counts once. */
  readonly appliedEscrowEvents = new Set<string>();
  readonly counters = new EffectCounters<CockpitEffect>(COCKPIT_EFFECTS);
  /** mutex serializes mutations (see Mutex). */
  readonly mutex = new Mutex();

  /** projectOfContract returns the contract's project, archived or not. */
  projectOfContract(contractId: string): Project | undefined {
    return [...this.projects.values()].find((project) => project.contractId === contractId);
  }

  /** entriesOfProject returns a project's time entries, oldest first. */
  entriesOfProject(projectId: string): TimeEntry[] {
    return [...this.timeEntries.values()].filter((entry) => entry.projectId === projectId);
  }

  /** minutesOn returns what a freelancer logged on one day across projects. */
  minutesOn(freelancerId: string, date: string): number {
    let minutes = 0;
    for (const entry of this.timeEntries.values()) if (entry.freelancerId === freelancerId && entry.date === date) minutes += entry.minutes;
    return minutes;
  }
}
