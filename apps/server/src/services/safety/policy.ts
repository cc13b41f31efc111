import { randomBytes } from 'node:crypto';
import {
  type AgeAssuranceResult,
  type AgeBand,
  bandAt,
  changeBirthDate,
  type Decision,
  decide,
  defaultSettings,
  formatBirthDate,
  isMinor,
  type PolicyAction,
  parseBirthDate,
  parseSetting,
  type Relationship,
  type RiskScore,
  type SafetySettings,
} from '@safelight/safety';
import { ServerError } from '../../errors.js';
import { type ApprovalRow, type SafetyQueries, safetyQueries } from '../../storage/safety-repository.js';
import type { Scope } from '../scope.js';
import type { ServiceDeps } from '../services.js';
import { guard, refused } from './errors.js';

export { guard, refused } from './errors.js';

/** What the policy needs to know about one account. */
export interface Subject {
  accountId: string;
  band: AgeBand;
  declared: boolean;
  settings: SafetySettings;
  parentLinked: boolean;
  restricted: boolean;
}

/**
 * Safety by design (docs/safety.md): declared ages, the contact policy (`decide` from
 * @safelight/safety) and everything it reads — profiles, contacts, blocks, parent links and the
 * risk engine's restriction. Other services ask it before they act: signup (the declared age),
 * delivery (a commit that brings accounts into a group).
 */
export class SafetyService {
  readonly q: SafetyQueries;

  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
  ) {
    this.q = safetyQueries(scope.tx);
  }

  /** The band of an account that never declared an age (docs/safety.md, "Undeclared ages"). */
  get undeclaredBand(): AgeBand {
    return this.deps.safety.requireBirthDate ? 'teen13to15' : 'adult';
  }

  /**
   * The birth date a signup declares, checked against the policy: required when the platform
   * says so, refused under 13. Returns it normalised (YYYY-MM-DD), or undefined when none.
   */
  checkSignupBirthDate(dateOfBirth: string | undefined): string | undefined {
    if (dateOfBirth === undefined) {
      if (this.deps.safety.requireBirthDate)
        throw new ServerError('BIRTH_DATE_REQUIRED', 'dateOfBirth is required', { field: 'dateOfBirth' });
      return undefined;
    }
    const now = this.deps.now();
    const birth = guard(() => parseBirthDate(dateOfBirth, now, 'dateOfBirth'));
    if (bandAt(birth, now) === 'under13') {
      throw new ServerError('POLICY_REFUSED', 'accounts are not available under 13', {
        rule: 'UNDER_13_NO_ACCOUNT',
        action: 'account.create',
      });
    }
    return formatBirthDate(birth);
  }

  /** The safety profile of a new account: its declared birth date and its band's default settings. */
  async createProfile(accountId: string, birthDate: string): Promise<void> {
    const now = this.deps.now();
    const band = bandAt(parseBirthDate(birthDate, now), now);
    await this.q.insertProfile({
      accountId,
      birthDate,
      assuredMethod: null,
      settings: JSON.stringify(defaultSettings(band)),
      createdAt: now,
    });
  }

  /** The risk engine's latest verdict for an account (services/risk.ts stores it). */
  async riskOf(accountId: string): Promise<RiskScore | undefined> {
    const row = await this.scope.tx.db
      .selectFrom('risk_state')
      .select('score')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.score) as RiskScore) : undefined;
  }

  /** The band of a declared account, or undefined when it never declared an age. */
  async bandOf(accountId: string): Promise<AgeBand | undefined> {
    const profile = await this.q.profile(accountId);
    if (profile === undefined) return undefined;
    const now = this.deps.now();
    return bandAt(parseBirthDate(profile.birthDate, now), now);
  }

  async subject(accountId: string): Promise<Subject> {
    const profile = await this.q.profile(accountId);
    const parentLinked = await this.q.hasActiveParent(accountId);
    // The risk engine's restriction: no new contact with minors.
    const restricted = (await this.riskOf(accountId))?.actions.includes('restriction') ?? false;
    const now = this.deps.now();
    if (profile === undefined) {
      const band = this.undeclaredBand;
      return { accountId, band, declared: false, settings: defaultSettings(band), parentLinked, restricted };
    }
    const band = bandAt(parseBirthDate(profile.birthDate, now), now);
    return {
      accountId,
      band,
      declared: true,
      settings: JSON.parse(profile.settings),
      parentLinked,
      restricted,
    };
  }

  async relationship(actor: string, target: string): Promise<Relationship> {
    const out = await this.q.contact(actor, target);
    const back = await this.q.contact(target, actor);
    return {
      contact:
        out === 'accepted'
          ? 'accepted'
          : out === 'requested'
            ? 'requested'
            : back === 'requested'
              ? 'requestedByTarget'
              : 'none',
      blockedByActor: await this.q.isBlocked(actor, target),
      blockedByTarget: await this.q.isBlocked(target, actor),
      actorIsParent: (await this.q.parentLink(actor, target)) === 'active',
    };
  }

  async decideBetween(
    action: PolicyAction,
    actorId: string,
    targetId: string,
  ): Promise<{ decision: Decision; actor: Subject; target: Subject }> {
    const actor = await this.subject(actorId);
    const target = await this.subject(targetId);
    const rel = await this.relationship(actorId, targetId);
    const decision = guard(() => decide(action, actor, target, rel, target.settings));
    return { decision, actor, target };
  }

  /**
   * A commit bringing accounts into a group: each one (not already in it, not the committer) must
   * be someone the committer may start a conversation with (the group holds only the committer so
   * far) or add to a group. Runs inside the commit's own transaction, so a contact removed at the
   * same moment cannot race it.
   */
  async checkGroupAdds(
    actorId: string,
    groupAccountIds: readonly string[],
    addedAccountIds: readonly string[],
  ) {
    const inGroup = new Set(groupAccountIds);
    const others = [...inGroup].filter((a) => a !== actorId);
    const action: PolicyAction =
      others.length === 0 ? { kind: 'conversation.create' } : { kind: 'group.add' };
    const targets = new Set(addedAccountIds.filter((a) => a !== actorId && !inGroup.has(a)));
    for (const target of targets) {
      const { decision } = await this.decideBetween(action, actorId, target);
      if (!decision.allowed) throw refused(decision, action.kind, target);
    }
  }

  // ---- the caller's own safety state ----

  /** The caller's band, settings, parent link and the setting changes waiting for a parent. */
  async me(accountId: string) {
    const self = await this.subject(accountId);
    return {
      accountId: self.accountId,
      band: self.band,
      declared: self.declared,
      settings: self.settings,
      parentLinked: self.parentLinked,
      pendingApprovals: pendingView(await this.q.pendingApprovals(accountId)),
    };
  }

  /**
   * A setting change: applied when the policy allows it; a minor loosening one with a linked
   * parent gets a pending approval instead (PARENT_APPROVAL_REQUIRED); anything else is refused.
   */
  async changeSetting(
    accountId: string,
    rawKey: string,
    rawValue: unknown,
  ): Promise<
    | { status: 'applied'; settings: SafetySettings }
    | { status: 'pending'; approvalId: string; rule: string; settings: SafetySettings }
  > {
    const { key, value } = guard(() => parseSetting(rawKey, rawValue));
    const self = await this.subject(accountId);
    if (!self.declared) {
      throw new ServerError(
        'BIRTH_DATE_REQUIRED',
        'declare dateOfBirth (PUT /v1/safety/birth-date) before changing settings',
        { field: 'dateOfBirth' },
      );
    }
    const action: PolicyAction = { kind: 'setting.change', key, value };
    const decision = guard(() => decide(action, self, self, SELF, self.settings));
    if (decision.allowed) {
      const settings = { ...self.settings, [key]: value };
      await this.q.updateSettings(accountId, JSON.stringify(settings));
      return { status: 'applied', settings };
    }
    if (decision.rule !== 'PARENT_APPROVAL_REQUIRED') throw refused(decision, 'setting.change');
    const approvalId = `appr_${randomBytes(16).toString('base64url')}`;
    await this.q.insertApproval({
      approvalId,
      childId: accountId,
      key,
      value,
      state: 'pending',
      createdAt: this.deps.now(),
    });
    return { status: 'pending', approvalId, rule: decision.rule, settings: self.settings };
  }

  /**
   * A parent-approved change of a child's setting, checked again against the policy (in the
   * parent's write, parents.ts). Returns the child's new settings.
   */
  async applyApproved(childId: string, approval: ApprovalRow): Promise<SafetySettings> {
    const child = await this.subject(childId);
    const { key, value } = guard(() => parseSetting(approval.key, approval.value));
    const action: PolicyAction = { kind: 'setting.change', key, value, parentApproved: true };
    const decision = guard(() => decide(action, child, child, SELF, child.settings));
    if (!decision.allowed) throw refused(decision, 'setting.change');
    const settings = { ...child.settings, [key]: value };
    await this.q.updateSettings(childId, JSON.stringify(settings));
    return settings;
  }

  /**
   * The age-assurance hook's verdict on a declared birth date, asked only when the date would move
   * the account to another band. The hook does its own I/O: call this on a read, before the write.
   */
  async assureBirthDate(accountId: string, dateOfBirth: string): Promise<AgeAssuranceResult | undefined> {
    const now = this.deps.now();
    const birth = guard(() => parseBirthDate(dateOfBirth, now, 'dateOfBirth'));
    const before = await this.subject(accountId);
    const hook = this.deps.safety.ageAssurance;
    if (bandAt(birth, now) === before.band || hook === undefined) return undefined;
    return hook.assess({ accountId, declaredBirthDate: birth });
  }

  /**
   * Declares or corrects the birth date. A band change needs `assurance` (assureBirthDate); a
   * minor moving to another band starts from that band's defaults.
   */
  async changeBirthDate(
    accountId: string,
    dateOfBirth: string,
    assurance: AgeAssuranceResult | undefined,
  ): Promise<{ band: AgeBand; settings: SafetySettings; assured: string | null }> {
    const now = this.deps.now();
    guard(() => parseBirthDate(dateOfBirth, now, 'dateOfBirth'));
    const before = await this.subject(accountId);
    const profile = await this.q.profile(accountId);
    // An undeclared account starts from the band it was treated as (docs/safety.md).
    const current = profile
      ? { birthDate: parseBirthDate(profile.birthDate, now), assured: null }
      : { birthDate: anyBirthDateIn(before.band, now), assured: null };
    const changed = guard(() => changeBirthDate(current, dateOfBirth, now, assurance));
    const band = bandAt(changed.birthDate, now);
    const settings = isMinor(band) && band !== before.band ? defaultSettings(band) : before.settings;
    const text = formatBirthDate(changed.birthDate);
    if (profile) {
      await this.q.updateSettings(accountId, JSON.stringify(settings));
      await this.q.updateBirthDate(accountId, text, changed.assured?.method ?? profile.assuredMethod);
    } else {
      await this.q.insertProfile({
        accountId,
        birthDate: text,
        assuredMethod: changed.assured?.method ?? null,
        settings: JSON.stringify(settings),
        createdAt: now,
      });
    }
    return { band, settings, assured: changed.assured?.method ?? null };
  }
}

/** The relationship of an account to itself (setting changes). */
const SELF: Relationship = {
  contact: 'none',
  blockedByActor: false,
  blockedByTarget: false,
  actorIsParent: false,
};

/** Pending approvals as the account and its parents see them. */
export function pendingView(rows: readonly ApprovalRow[]) {
  return rows.map(({ approvalId, key, value, createdAt }) => ({ approvalId, key, value, createdAt }));
}

/** A date that puts someone in `band` at `now` (the starting point of an undeclared account). */
function anyBirthDateIn(band: AgeBand, now: number) {
  const years = band === 'adult' ? 30 : band === 'teen16to17' ? 16 : band === 'teen13to15' ? 14 : 10;
  const today = new Date(now);
  return { year: today.getUTCFullYear() - years, month: 1, day: 1 };
}
