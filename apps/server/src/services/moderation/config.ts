import type { NcmecReportingParty, Role } from '@safelight/reporting';
import type { NcmecRetryPolicy } from '@safelight/reporting/ncmec';

/** A staff member of the moderation team and the bearer token they present (`Staff <token>`). */
export interface StaffMember {
  readonly id: string;
  readonly role: Role;
  readonly token: string;
}

export interface NcmecConfig {
  /** NCMEC_BASE_URLS.test in staging, production in production, a test double in tests. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** The ESP's reporting party (who NCMEC contacts). */
  readonly reporter: NcmecReportingParty;
  readonly platform?: string;
  readonly timeoutMs?: number;
  readonly retry?: NcmecRetryPolicy;
}

export interface ModerationConfig {
  /** Staff accounts. Production would take these from the operator's SSO; here, configuration. */
  readonly staff?: readonly StaffMember[];
  /** How long report contents are preserved after a case's latest evidence (default 1 year). */
  readonly retentionMs?: number;
  /** How often expired evidence is swept (default hourly; 0 = only on demand). */
  readonly sweepIntervalMs?: number;
  /** The CyberTipline connection; without it "report-to-ncmec" decisions are recorded but not filed. */
  readonly ncmec?: NcmecConfig;
  /** Franks older than this do not verify in a report (default 1 year). */
  readonly maxReportAgeMs?: number;
}
