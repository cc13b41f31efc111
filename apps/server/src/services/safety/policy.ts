import {
  type AgeBand,
  bandAt,
  type Decision,
  decide,
  defaultSettings,
  formatBirthDate,
  type PolicyAction,
  parseBirthDate,
  type Relationship,
  type RiskScore,
  SafetyError,
  type SafetySettings,
} from '@safelight/safety';
import { ServerError } from '../errors.js';
import { type SafetyQueries, safetyQueries } from '../storage/safety-repository.js';
import type { Scope } from './scope.js';
import type { ServiceDeps } from './services.js';

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
}

/** A refused decision as the server's POLICY_REFUSED error, naming the rule. */
export function refused(decision: Decision, action: string, accountId?: string): ServerError {
  if (decision.allowed) throw new Error('refused() on an allowed decision');
  return new ServerError('POLICY_REFUSED', `${action} refused by ${decision.rule}: ${decision.reason}`, {
    rule: decision.rule,
    action,
    ...(accountId === undefined ? {} : { accountId }),
  });
}

/** Runs `fn`, turning the safety package's SafetyErrors into the server's typed errors. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toServerError(error);
  }
}

function toServerError(error: unknown): unknown {
  if (!(error instanceof SafetyError)) return error;
  const details = { field: error.field, reason: error.code };
  switch (error.code) {
    case 'BIRTH_DATE_MALFORMED':
    case 'BIRTH_DATE_IN_FUTURE':
    case 'BIRTH_DATE_TOO_OLD':
      return new ServerError('BIRTH_DATE_INVALID', error.message, details);
    case 'AGE_BAND_CHANGE_NEEDS_ASSURANCE':
      return new ServerError('AGE_BAND_CHANGE_NEEDS_ASSURANCE', error.message, details);
    case 'SETTING_UNKNOWN':
    case 'SETTING_VALUE_INVALID':
      return new ServerError('SETTING_INVALID', error.message, details);
    default:
      return new ServerError('VALIDATION_FAILED', error.message, details);
  }
}
