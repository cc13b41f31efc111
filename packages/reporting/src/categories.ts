// Categories and priorities. Incident types are NCMEC's CyberTipline enumeration, verbatim, so a
// case's category goes into the report unchanged; media classification is the industry scheme.

// One definition of NCMEC's incident types and the industry classification: the CyberTipline
// schema module's (ncmec/schema.ts), so a case's category goes into the report unchanged.
import {
  INCIDENT_TYPES,
  INDUSTRY_CLASSIFICATIONS,
  type IncidentType,
  type IndustryClassification,
} from './ncmec/schema.js';

export { INCIDENT_TYPES, INDUSTRY_CLASSIFICATIONS, type IncidentType, type IndustryClassification };

/** P0: imminent risk (meeting arranged, sextortion, live abuse) … P3: routine. */
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Signals that raise a case's priority; they come from reporters, detection and metadata. */
export interface PrioritySignals {
  /** A meeting in person is arranged or requested. */
  readonly meetingArranged?: boolean;
  /** Threats to share images unless paid or sent more (sextortion). */
  readonly sextortion?: boolean;
  /** Abuse happening now (live stream, ongoing contact). */
  readonly liveAbuse?: boolean;
  /** A detection mode matched a bank entry. */
  readonly bankMatch?: boolean;
  /** The reporter or the reported person is a minor. */
  readonly minorInvolved?: boolean;
}

/** Service-level targets per priority, in milliseconds (time to first moderator action). */
export const SLA_MS: Readonly<Record<Priority, number>> = {
  P0: 15 * 60_000,
  P1: 4 * 3_600_000,
  P2: 24 * 3_600_000,
  P3: 72 * 3_600_000,
};

/**
 * The derived priority: imminent risk first; then known material and enticement; then anything
 * involving a minor; the rest routine. A moderator can override it (an event in the case log).
 */
export function derivePriority(category: IncidentType | undefined, signals: PrioritySignals): Priority {
  if (signals.meetingArranged || signals.sextortion || signals.liveAbuse) return 'P0';
  if (
    signals.bankMatch ||
    category === 'Child Sex Trafficking' ||
    category === 'Online Enticement of Children for Sexual Acts' ||
    category === 'Child Sexual Molestation'
  ) {
    return 'P1';
  }
  if (signals.minorInvolved || category !== undefined) return 'P2';
  return 'P3';
}

export function isIncidentType(value: unknown): value is IncidentType {
  return typeof value === 'string' && (INCIDENT_TYPES as readonly string[]).includes(value);
}
