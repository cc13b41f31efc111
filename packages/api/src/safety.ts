// Safety by design (docs/safety.md): the caller's safety state, contacts and contact requests,
// blocks, settings and declared age, parent links and approvals, and friction notices. Every
// answer lists exactly what a client may read: the server drops anything else.
import { type Static, Type } from '@sinclair/typebox';
import { AccountId, AccountRef, Millis, route } from './common.js';

export const AgeBand = Type.Union([
  Type.Literal('under13'),
  Type.Literal('teen13to15'),
  Type.Literal('teen16to17'),
  Type.Literal('adult'),
]);
export type AgeBand = Static<typeof AgeBand>;

const Audience = Type.Union([Type.Literal('contacts'), Type.Literal('everyone')]);

/** An account's safety settings (packages/safety SafetySettings). */
export const Settings = Type.Object({
  accountPrivate: Type.Boolean(),
  discoverable: Type.Boolean(),
  messagesFrom: Audience,
  groupAddsFrom: Audience,
  mediaFrom: Audience,
  locationSharing: Type.Boolean(),
});
export type Settings = Static<typeof Settings>;

const ApprovalId = Type.String({ pattern: '^appr_[A-Za-z0-9_-]{22}$', description: 'appr_ + 22 b64u' });

/** A setting change a minor asked for that waits for a linked parent. */
export const PendingApproval = Type.Object({
  approvalId: ApprovalId,
  key: Type.String(),
  value: Type.Unknown(),
  createdAt: Millis,
});
export type PendingApproval = Static<typeof PendingApproval>;

export const me = route({
  method: 'GET',
  url: '/v1/safety/me',
  summary: "The caller's band, settings, parent link and pending approvals",
  response: {
    200: Type.Object({
      accountId: AccountId,
      band: AgeBand,
      declared: Type.Boolean(),
      settings: Settings,
      parentLinked: Type.Boolean(),
      pendingApprovals: Type.Array(PendingApproval),
    }),
  },
});
export type SafetyMe = Static<(typeof me.response)[200]>;

// ---- contacts and blocks ----

const ContactState = Type.Object({
  accountId: AccountId,
  state: Type.Union([Type.Literal('requested'), Type.Literal('accepted')]),
});

export const requestContact = route({
  method: 'POST',
  url: '/v1/safety/contact-requests',
  summary: 'Ask an account to connect (201 requested; 200 when that makes or already is a contact)',
  body: AccountRef,
  response: { 201: ContactState, 200: ContactState },
});
export type ContactAnswer = Static<typeof ContactState>;

export const contactRequests = route({
  method: 'GET',
  url: '/v1/safety/contact-requests',
  summary: 'Accounts that asked the caller to connect and wait for an answer',
  response: {
    200: Type.Object({ incoming: Type.Array(Type.Object({ accountId: AccountId, createdAt: Millis })) }),
  },
});
export type ContactRequests = Static<(typeof contactRequests.response)[200]>;

export const acceptContact = route({
  method: 'POST',
  url: '/v1/safety/contact-requests/accept',
  summary: 'Accept a pending contact request',
  body: AccountRef,
  response: { 200: Type.Object({ accountId: AccountId, state: Type.Literal('accepted') }) },
});

export const declineContact = route({
  method: 'POST',
  url: '/v1/safety/contact-requests/decline',
  summary: 'Decline a pending contact request',
  body: AccountRef,
  response: { 200: Type.Object({ accountId: AccountId, state: Type.Literal('declined') }) },
});

export const contacts = route({
  method: 'GET',
  url: '/v1/safety/contacts',
  summary: "The caller's accepted contacts",
  response: { 200: Type.Object({ contacts: Type.Array(AccountId) }) },
});
export type Contacts = Static<(typeof contacts.response)[200]>;

export const block = route({
  method: 'POST',
  url: '/v1/safety/blocks',
  summary: 'Block an account (removes contacts and requests both ways)',
  body: AccountRef,
  response: { 200: Type.Object({ accountId: AccountId, state: Type.Literal('blocked') }) },
});

// ---- settings and declared age ----

export const changeSetting = route({
  method: 'PUT',
  url: '/v1/safety/settings',
  summary: 'Change a setting (202 when a minor loosening it needs a parent to approve)',
  body: Type.Object({ key: Type.String({ maxLength: 64 }), value: Type.Unknown() }),
  response: {
    200: Type.Object({ status: Type.Literal('applied'), settings: Settings }),
    202: Type.Object({
      status: Type.Literal('pending'),
      approvalId: ApprovalId,
      rule: Type.String(),
      settings: Settings,
    }),
  },
});
export type SettingAnswer =
  | Static<(typeof changeSetting.response)[200]>
  | Static<(typeof changeSetting.response)[202]>;

export const changeBirthDate = route({
  method: 'PUT',
  url: '/v1/safety/birth-date',
  summary: 'Declare or correct the birth date (a band change needs age assurance)',
  body: Type.Object({ dateOfBirth: Type.String({ maxLength: 32, description: 'YYYY-MM-DD' }) }),
  response: {
    200: Type.Object({
      band: AgeBand,
      settings: Settings,
      assured: Type.Union([Type.String(), Type.Null()]),
    }),
  },
});

// ---- parents ----

const LinkState = Type.Object({
  accountId: AccountId,
  state: Type.Union([Type.Literal('invited'), Type.Literal('active')]),
});

export const linkChild = route({
  method: 'POST',
  url: '/v1/safety/parent-links',
  summary: 'Offer a parent link to a minor (201 invited; 200 when already active)',
  body: AccountRef,
  response: { 201: LinkState, 200: LinkState },
});

export const acceptParentLink = route({
  method: 'POST',
  url: '/v1/safety/parent-links/accept',
  summary: 'Accept a parent link offered to the caller',
  body: AccountRef,
  response: { 200: Type.Object({ accountId: AccountId, state: Type.Literal('active') }) },
});

export const children = route({
  method: 'GET',
  url: '/v1/safety/children',
  summary:
    'What a linked parent sees of each child: band, settings, pending approvals (never content or contacts)',
  response: {
    200: Type.Object({
      children: Type.Array(
        Type.Object({
          accountId: AccountId,
          band: AgeBand,
          settings: Settings,
          pendingApprovals: Type.Array(PendingApproval),
        }),
      ),
    }),
  },
});

export const decideApproval = route({
  method: 'POST',
  url: '/v1/safety/approvals/:approvalId',
  summary: "Approve or decline a child's pending setting change",
  params: Type.Object({ approvalId: ApprovalId }),
  body: Type.Object({ decision: Type.Union([Type.Literal('approve'), Type.Literal('decline')]) }),
  response: {
    200: Type.Object({
      approvalId: ApprovalId,
      status: Type.Union([Type.Literal('applied'), Type.Literal('declined')]),
      settings: Type.Optional(Settings),
    }),
  },
});

// ---- friction ----

/**
 * A safety notice for a minor (friction): an account they are in touch with reached the risk
 * engine's friction threshold. Says which account and how the minor knows it, never why or the score.
 */
export const SafetyNotice = Type.Object({
  kind: Type.Literal('risk-friction'),
  /** The account the notice is about (never the caller). */
  accountId: AccountId,
  relations: Type.Array(
    Type.Union([Type.Literal('contact'), Type.Literal('contact-request'), Type.Literal('conversation')]),
  ),
  message: Type.String(),
  actions: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal('block'),
        Type.Literal('report'),
        Type.Literal('talk-to-someone-you-trust'),
      ]),
      label: Type.String(),
    }),
  ),
});
export type SafetyNotice = Static<typeof SafetyNotice>;

export const notices = route({
  method: 'GET',
  url: '/v1/safety/notices',
  summary: 'Safety notices for a minor about accounts they are in touch with',
  response: { 200: Type.Object({ notices: Type.Array(SafetyNotice) }) },
});
