import { createHash } from 'node:crypto';
import { authorize, type Permission, ReportingError, ROLES } from '@safelight/reporting';
import { ServerError } from '../../errors.js';
import type { StaffMember } from './config.js';

/**
 * The staff directory, built once from `moderation.staff`: a token (only its SHA-256 is kept as
 * the key) names one member. The staff plugin's hook asks it for every request.
 */
export class StaffDirectory {
  private readonly byTokenHash = new Map<string, StaffMember>();

  constructor(members: readonly StaffMember[] = []) {
    for (const member of members) {
      if (!ROLES.includes(member.role))
        throw new Error(`moderation.staff ${member.id}: unknown role ${member.role}`);
      if (member.token.length < 16)
        throw new Error(`moderation.staff ${member.id}: token must be at least 16 characters`);
      this.byTokenHash.set(sha256(member.token), member);
    }
  }

  /** The member an `Authorization: Staff <token>` header names, or UNAUTHENTICATED. */
  authenticate(header: string | undefined): StaffMember {
    const match = /^Staff (.+)$/.exec(header ?? '');
    const member = match ? this.byTokenHash.get(sha256(match[1] as string)) : undefined;
    if (!member)
      throw new ServerError('UNAUTHENTICATED', 'moderator API needs "Authorization: Staff <token>"');
    return member;
  }
}

/** What a refusal says, per action (the table itself is packages/reporting's PERMISSIONS). */
const REFUSALS: Partial<Record<Permission, string>> = {
  'case.open-escalated': 'an escalated case is open to senior moderators and admins only',
  'case.export': 'case bundles are exported by senior moderators and admins',
  'ncmec.file': 'NCMEC filings are run by senior moderators and admins',
  'transparency.read': 'transparency figures are prepared by auditors and admins',
  'audit.read': 'the audit log is open to auditors and admins',
  'retention.sweep': 'only admins run the retention sweep',
};

/**
 * THE permission check of the staff API: `staff` may do `action` by the PERMISSIONS table, or
 * FORBIDDEN. Every staff route and every staff case event goes through it.
 */
export function permit(staff: StaffMember, action: Permission): void {
  try {
    authorize(staff.role, action, REFUSALS[action]);
  } catch (error) {
    throw asServerError(error);
  }
}

/** A reporting error as the server's: not permitted -> FORBIDDEN, too large, else VALIDATION_FAILED. */
export function asServerError(error: unknown): unknown {
  if (error instanceof ReportingError) {
    const code =
      error.code === 'REPORT_NOT_PERMITTED'
        ? 'FORBIDDEN'
        : error.code === 'REPORT_TOO_LARGE'
          ? 'REPORT_TOO_LARGE'
          : 'VALIDATION_FAILED';
    return new ServerError(code, error.message);
  }
  return error;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
