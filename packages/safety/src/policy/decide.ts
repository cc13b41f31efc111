import { SafetyError } from '../errors.js';
import { AGE_BANDS, type AgeBand, isMinor } from './age.js';
import { isLoosening, parseSetting, type SafetySettings, type SettingKey } from './settings.js';

/** What someone tries to do. The server maps each of its routes onto one of these. */
export type PolicyAction =
  | { kind: 'contact.request' }
  /** Starting a conversation: adding someone to a group that so far holds only the actor. */
  | { kind: 'conversation.create' }
  /** Adding someone to a group that already has other members. */
  | { kind: 'group.add' }
  /** Handing the target media (an attachment) the actor sent. */
  | { kind: 'media.deliver' }
  /** Changing one of the target's settings (actor = the target itself, or its linked parent). */
  | { kind: 'setting.change'; key: SettingKey; value: SafetySettings[SettingKey]; parentApproved?: boolean };

export type PolicyActionKind = PolicyAction['kind'];

export interface PolicyActor {
  accountId: string;
  band: AgeBand;
  /** Set by the risk engine's "restriction" action: no new contact with minors. */
  restricted?: boolean;
}

export interface PolicyTarget {
  accountId: string;
  band: AgeBand;
  /** A parent account is linked to this one (it approves loosening for under-16s). */
  parentLinked?: boolean;
}

/** What the server knows about the pair, seen from the actor. */
export interface Relationship {
  /**
   * none; `requested`: the actor asked the target; `requestedByTarget`: the target asked the actor
   * (so the actor may accept); `accepted`: contacts both ways.
   */
  contact: 'none' | 'requested' | 'requestedByTarget' | 'accepted';
  blockedByTarget: boolean;
  blockedByActor: boolean;
  /** The actor is the target's linked parent. */
  actorIsParent: boolean;
}

export const NO_RELATIONSHIP: Relationship = Object.freeze({
  contact: 'none',
  blockedByTarget: false,
  blockedByActor: false,
  actorIsParent: false,
});

/** Every rule that can refuse an action; stable names, shown to clients and in docs/safety.md. */
export type PolicyRule =
  | 'UNDER_13_NO_ACCOUNT'
  | 'SELF_TARGET'
  | 'BLOCKED'
  | 'RISK_RESTRICTED_MINOR_CONTACT'
  | 'ADULT_TO_UNCONNECTED_MINOR'
  | 'MESSAGES_FROM_CONTACTS_ONLY'
  | 'GROUP_ADDS_FROM_CONTACTS_ONLY'
  | 'MEDIA_FROM_CONTACTS_ONLY'
  | 'NOT_OWNER_OR_PARENT'
  | 'PARENT_APPROVAL_REQUIRED'
  | 'PARENT_LINK_REQUIRED'
  | 'NOT_AVAILABLE_UNDER_16';

export type Decision = { allowed: true } | { allowed: false; rule: PolicyRule; reason: string };

const ALLOW: Decision = Object.freeze({ allowed: true });
const refuse = (rule: PolicyRule, reason: string): Decision => ({ allowed: false, rule, reason });

/** Settings a 13-15-year-old cannot have even with a parent's approval (TikTok: no open DMs under 16). */
const LOCKED_UNDER_16: ReadonlyArray<[SettingKey, unknown]> = [['messagesFrom', 'everyone']];

/**
 * The policy, as one pure function: may `actor` do `action` to `target`, given their
 * `relationship` and the target's current `settings`? Refusals name the rule (docs/safety.md).
 * Throws SafetyError only for malformed input (an unknown band, action or setting).
 */
export function decide(
  action: PolicyAction,
  actor: PolicyActor,
  target: PolicyTarget,
  relationship: Relationship,
  settings: SafetySettings,
): Decision {
  checkBand(actor.band, 'actor.band');
  checkBand(target.band, 'target.band');
  if (actor.band === 'under13' || target.band === 'under13') {
    return refuse('UNDER_13_NO_ACCOUNT', 'accounts are not available under 13');
  }
  const self = actor.accountId === target.accountId;
  if (action.kind === 'setting.change') return decideSetting(action, target, relationship, settings, self);
  if (self) return refuse('SELF_TARGET', `${action.kind} needs another account`);
  if (relationship.blockedByTarget || relationship.blockedByActor) {
    return refuse(
      'BLOCKED',
      relationship.blockedByActor ? 'you blocked this account' : 'this account is not available',
    );
  }
  const connected = relationship.contact === 'accepted' || relationship.actorIsParent;
  // An accepted contact may be reached; a pending request from the target may be accepted.
  const answering = action.kind === 'contact.request' && relationship.contact === 'requestedByTarget';
  if (isMinor(target.band) && !connected && !answering) {
    if (actor.restricted) {
      return refuse('RISK_RESTRICTED_MINOR_CONTACT', 'this account may not make new contact with minors');
    }
    if (actor.band === 'adult') {
      return refuse('ADULT_TO_UNCONNECTED_MINOR', 'adults cannot contact a minor they are not connected to');
    }
  }
  switch (action.kind) {
    case 'contact.request':
      return ALLOW;
    case 'conversation.create':
      return connected || settings.messagesFrom === 'everyone'
        ? ALLOW
        : refuse(
            'MESSAGES_FROM_CONTACTS_ONLY',
            'this account takes new conversations from its contacts only',
          );
    case 'group.add':
      return connected || settings.groupAddsFrom === 'everyone'
        ? ALLOW
        : refuse('GROUP_ADDS_FROM_CONTACTS_ONLY', 'this account can be added to groups by its contacts only');
    case 'media.deliver':
      return connected || settings.mediaFrom === 'everyone'
        ? ALLOW
        : refuse('MEDIA_FROM_CONTACTS_ONLY', 'this account receives media from its contacts only');
    default:
      throw new SafetyError(
        'ACTION_UNKNOWN',
        'action.kind',
        `unknown action ${(action as { kind: unknown }).kind}`,
      );
  }
}

function decideSetting(
  action: Extract<PolicyAction, { kind: 'setting.change' }>,
  target: PolicyTarget,
  relationship: Relationship,
  settings: SafetySettings,
  self: boolean,
): Decision {
  const { key, value } = parseSetting(action.key, action.value);
  if (!self && !relationship.actorIsParent) {
    return refuse('NOT_OWNER_OR_PARENT', 'only the account or its linked parent may change its settings');
  }
  if (!isLoosening(settings, key, value)) return ALLOW; // tightening, or no change: always allowed
  if (target.band !== 'teen13to15') return ALLOW; // 16+ loosen their own settings (the notice is the client's)
  if (LOCKED_UNDER_16.some(([k, v]) => k === key && v === value)) {
    return refuse('NOT_AVAILABLE_UNDER_16', `${key}=${String(value)} is not available under 16`);
  }
  if (!self || action.parentApproved) return ALLOW; // the parent acts, or has approved
  if (!target.parentLinked) {
    return refuse('PARENT_LINK_REQUIRED', `loosening ${key} under 16 needs a linked parent to approve it`);
  }
  return refuse(
    'PARENT_APPROVAL_REQUIRED',
    `loosening ${key} under 16 waits for the linked parent's approval`,
  );
}

function checkBand(band: unknown, field: string): void {
  if (!(AGE_BANDS as readonly unknown[]).includes(band)) {
    throw new SafetyError('BAND_UNKNOWN', field, `${field} must be one of ${AGE_BANDS.join(', ')}`);
  }
}

export type ParentLinkRule = 'PARENT_MUST_BE_ADULT' | 'CHILD_MUST_BE_MINOR' | 'SELF_TARGET';

/**
 * May `parent` be linked to `child` as its parent? The parent must be an adult and the child a
 * minor; the link also needs both sides to agree (the server asks the child to accept). A linked
 * parent sees the child's settings and the approvals waiting for it, never messages or contacts.
 */
export function decideParentLink(
  parent: PolicyActor,
  child: PolicyTarget,
): { allowed: true } | { allowed: false; rule: ParentLinkRule; reason: string } {
  checkBand(parent.band, 'parent.band');
  checkBand(child.band, 'child.band');
  if (parent.accountId === child.accountId)
    return { allowed: false, rule: 'SELF_TARGET', reason: 'cannot link to yourself' };
  if (parent.band !== 'adult')
    return { allowed: false, rule: 'PARENT_MUST_BE_ADULT', reason: 'a parent account must be an adult' };
  if (!isMinor(child.band) || child.band === 'under13')
    return {
      allowed: false,
      rule: 'CHILD_MUST_BE_MINOR',
      reason: 'only a 13-17 account can be linked to a parent',
    };
  return { allowed: true };
}
