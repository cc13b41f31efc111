import { randomBytes } from 'node:crypto';
import {
  type AgeBand,
  bandAt,
  changeBirthDate,
  type Decision,
  decide,
  decideParentLink,
  defaultSettings,
  formatBirthDate,
  isMinor,
  type PolicyAction,
  parseBirthDate,
  parseSetting,
  type Relationship,
  SafetyError,
  type SafetySettings,
} from '@safelight/safety';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SafetyConfig } from '../config.js';
import { ServerError } from '../errors.js';
import type { DeliveryQueries, DeliveryRepository, SessionRow } from '../storage/repository.js';
import { type SafetyQueries, safetyQueries } from '../storage/safety-repository.js';
import type { GroupCommitWriter } from '../writer.js';
import { riskOf } from './risk.js';

export interface SafetyRoutesOptions {
  repository: DeliveryRepository;
  writer: GroupCommitWriter;
  /** The server's bearer-token check (sets request.session). */
  authenticate: (request: FastifyRequest) => Promise<void>;
  now: () => number;
  config?: SafetyConfig | undefined;
}

/** What the policy needs to know about one account. */
interface Subject {
  accountId: string;
  band: AgeBand;
  declared: boolean;
  settings: SafetySettings;
  parentLinked: boolean;
  restricted: boolean;
}

const accountIdSchema = { type: 'string', pattern: '^acct_[A-Za-z0-9_-]{22}$' };
const accountBody = {
  type: 'object',
  required: ['accountId'],
  properties: { accountId: accountIdSchema },
};
const bearer = [{ bearer: [] }];
const tags = ['safety'];

/**
 * Safety by design on the delivery server (docs/safety.md): declared ages at registration,
 * contacts and contact requests, blocks, settings, parent links and approvals, and the policy
 * (`decide` from @safelight/safety) enforced where the server sees an action: contact requests,
 * and commits that add accounts to a group (starting a conversation or adding to a group).
 * Registered with fastify-plugin so its hooks see the delivery routes of the parent scope.
 */
async function safetyRoutesPlugin(app: FastifyInstance, options: SafetyRoutesOptions): Promise<void> {
  const { repository, writer, authenticate, now } = options;
  const requireBirthDate = options.config?.requireBirthDate ?? false;
  const ageAssurance = options.config?.ageAssurance;
  /** The band of an account that never declared an age (docs/safety.md, "Undeclared ages"). */
  const undeclaredBand: AgeBand = requireBirthDate ? 'teen13to15' : 'adult';
  const me = (request: FastifyRequest): SessionRow => request.session as SessionRow;

  /** Runs `fn`, turning the package's SafetyErrors into the server's typed errors. */
  function guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toServerError(error);
    }
  }

  async function subject(q: SafetyQueries, accountId: string): Promise<Subject> {
    const profile = await q.profile(accountId);
    const parentLinked = await q.hasActiveParent(accountId);
    // The risk engine's restriction (routes/risk.ts): no new contact with minors.
    const restricted = (await riskOf(q, accountId))?.actions.includes('restriction') ?? false;
    if (profile === undefined) {
      return {
        accountId,
        band: undeclaredBand,
        declared: false,
        settings: defaultSettings(undeclaredBand),
        parentLinked,
        restricted,
      };
    }
    const band = bandAt(parseBirthDate(profile.birthDate, now()), now());
    return {
      accountId,
      band,
      declared: true,
      settings: JSON.parse(profile.settings),
      parentLinked,
      restricted,
    };
  }

  async function relationship(q: SafetyQueries, actor: string, target: string): Promise<Relationship> {
    const out = await q.contact(actor, target);
    const back = await q.contact(target, actor);
    return {
      contact:
        out === 'accepted'
          ? 'accepted'
          : out === 'requested'
            ? 'requested'
            : back === 'requested'
              ? 'requestedByTarget'
              : 'none',
      blockedByActor: await q.isBlocked(actor, target),
      blockedByTarget: await q.isBlocked(target, actor),
      actorIsParent: (await q.parentLink(actor, target)) === 'active',
    };
  }

  async function decideBetween(
    q: SafetyQueries,
    action: PolicyAction,
    actorId: string,
    targetId: string,
  ): Promise<{ decision: Decision; actor: Subject; target: Subject }> {
    const actor = await subject(q, actorId);
    const target = await subject(q, targetId);
    const rel = await relationship(q, actorId, targetId);
    const decision = guard(() => decide(action, actor, target, rel, target.settings));
    return { decision, actor, target };
  }

  function refused(decision: Decision, action: string, accountId?: string): ServerError {
    if (decision.allowed) throw new Error('refused() on an allowed decision');
    return new ServerError('POLICY_REFUSED', `${action} refused by ${decision.rule}: ${decision.reason}`, {
      rule: decision.rule,
      action,
      ...(accountId === undefined ? {} : { accountId }),
    });
  }

  async function mustExist(tx: DeliveryQueries, accountId: string): Promise<void> {
    if (!(await tx.accountById(accountId)))
      throw new ServerError('ACCOUNT_NOT_FOUND', `no account ${accountId}`);
  }

  // ---- my safety state ----
  app.get(
    '/v1/safety/me',
    { onRequest: authenticate, schema: { tags, security: bearer } },
    async (request) => {
      const q = safetyQueries(repository);
      const self = await subject(q, me(request).accountId);
      const pending = await q.pendingApprovals(self.accountId);
      return {
        accountId: self.accountId,
        band: self.band,
        declared: self.declared,
        settings: self.settings,
        parentLinked: self.parentLinked,
        pendingApprovals: pending.map(({ approvalId, key, value, createdAt }) => ({
          approvalId,
          key,
          value,
          createdAt,
        })),
      };
    },
  );

  // ---- contacts ----
  app.post<{ Body: { accountId: string } }>(
    '/v1/safety/contact-requests',
    { onRequest: authenticate, schema: { tags, security: bearer, body: accountBody } },
    async (request, reply) => {
      const actorId = me(request).accountId;
      const targetId = request.body.accountId;
      const state = await writer.submit(async (tx) => {
        await mustExist(tx, targetId);
        const q = safetyQueries(tx);
        const { decision } = await decideBetween(q, { kind: 'contact.request' }, actorId, targetId);
        if (!decision.allowed) throw refused(decision, 'contact.request', targetId);
        const out = await q.contact(actorId, targetId);
        if (out === 'accepted') return 'accepted' as const;
        const t = now();
        if ((await q.contact(targetId, actorId)) === 'requested') {
          // Both asked: that is an acceptance.
          await q.putContact(actorId, targetId, 'accepted', t);
          await q.putContact(targetId, actorId, 'accepted', t);
          return 'accepted' as const;
        }
        if (out !== 'requested') await q.putContact(actorId, targetId, 'requested', t);
        return 'requested' as const;
      });
      reply.status(state === 'requested' ? 201 : 200);
      return { accountId: targetId, state };
    },
  );

  app.get(
    '/v1/safety/contact-requests',
    { onRequest: authenticate, schema: { tags, security: bearer } },
    async (request) => ({
      incoming: await safetyQueries(repository).incomingRequests(me(request).accountId),
    }),
  );

  app.get(
    '/v1/safety/contacts',
    { onRequest: authenticate, schema: { tags, security: bearer } },
    async (request) => ({
      contacts: await safetyQueries(repository).contacts(me(request).accountId),
    }),
  );

  for (const answer of ['accept', 'decline'] as const) {
    app.post<{ Body: { accountId: string } }>(
      `/v1/safety/contact-requests/${answer}`,
      { onRequest: authenticate, schema: { tags, security: bearer, body: accountBody } },
      async (request) => {
        const actorId = me(request).accountId;
        const requesterId = request.body.accountId;
        return writer.submit(async (tx) => {
          const q = safetyQueries(tx);
          if ((await q.contact(requesterId, actorId)) !== 'requested') {
            throw new ServerError('CONTACT_REQUEST_NOT_FOUND', `no pending request from ${requesterId}`, {
              field: 'accountId',
            });
          }
          if (answer === 'decline') {
            await q.deleteContacts(requesterId, actorId);
            return { accountId: requesterId, state: 'declined' };
          }
          const t = now();
          await q.putContact(requesterId, actorId, 'accepted', t);
          await q.putContact(actorId, requesterId, 'accepted', t);
          return { accountId: requesterId, state: 'accepted' };
        });
      },
    );
  }

  app.post<{ Body: { accountId: string } }>(
    '/v1/safety/blocks',
    { onRequest: authenticate, schema: { tags, security: bearer, body: accountBody } },
    async (request) => {
      const actorId = me(request).accountId;
      const targetId = request.body.accountId;
      if (targetId === actorId)
        throw new ServerError('VALIDATION_FAILED', 'accountId: cannot block yourself');
      return writer.submit(async (tx) => {
        await mustExist(tx, targetId);
        const q = safetyQueries(tx);
        await q.insertBlock(actorId, targetId, now());
        await q.deleteContacts(actorId, targetId);
        return { accountId: targetId, state: 'blocked' };
      });
    },
  );

  // ---- settings and declared age ----
  app.put<{ Body: { key: string; value: unknown } }>(
    '/v1/safety/settings',
    {
      onRequest: authenticate,
      schema: {
        tags,
        security: bearer,
        body: {
          type: 'object',
          required: ['key', 'value'],
          properties: { key: { type: 'string', maxLength: 64 }, value: {} },
        },
      },
    },
    async (request, reply) => {
      const accountId = me(request).accountId;
      const { key, value } = guard(() => parseSetting(request.body.key, request.body.value));
      const result = await writer.submit(async (tx) => {
        const q = safetyQueries(tx);
        const self = await subject(q, accountId);
        if (!self.declared) {
          throw new ServerError(
            'BIRTH_DATE_REQUIRED',
            'declare dateOfBirth (PUT /v1/safety/birth-date) before changing settings',
            {
              field: 'dateOfBirth',
            },
          );
        }
        const action: PolicyAction = { kind: 'setting.change', key, value };
        const decision = guard(() => decide(action, self, self, selfRelationship, self.settings));
        if (decision.allowed) {
          const settings = { ...self.settings, [key]: value };
          await q.updateSettings(accountId, JSON.stringify(settings));
          return { status: 'applied' as const, settings };
        }
        if (decision.rule !== 'PARENT_APPROVAL_REQUIRED') throw refused(decision, 'setting.change');
        const approvalId = `appr_${randomBytes(16).toString('base64url')}`;
        await q.insertApproval({
          approvalId,
          childId: accountId,
          key,
          value,
          state: 'pending',
          createdAt: now(),
        });
        return { status: 'pending' as const, approvalId, rule: decision.rule, settings: self.settings };
      });
      reply.status(result.status === 'pending' ? 202 : 200);
      return result;
    },
  );

  app.put<{ Body: { dateOfBirth: string } }>(
    '/v1/safety/birth-date',
    {
      onRequest: authenticate,
      schema: {
        tags,
        security: bearer,
        body: {
          type: 'object',
          required: ['dateOfBirth'],
          properties: { dateOfBirth: { type: 'string', maxLength: 32 } },
        },
      },
    },
    async (request) => {
      const accountId = me(request).accountId;
      const birth = guard(() => parseBirthDate(request.body.dateOfBirth, now(), 'dateOfBirth'));
      const q0 = safetyQueries(repository);
      const before = await subject(q0, accountId);
      const after = bandAt(birth, now());
      // The hook does its own I/O, so it runs before the write; only when the band would change.
      const assurance =
        after !== before.band && ageAssurance
          ? await ageAssurance.assess({ accountId, declaredBirthDate: birth })
          : undefined;
      return writer.submit(async (tx) => {
        const q = safetyQueries(tx);
        const profile = await q.profile(accountId);
        // An undeclared account starts from the band it was treated as (docs/safety.md).
        const current = profile
          ? { birthDate: parseBirthDate(profile.birthDate, now()), assured: null }
          : { birthDate: anyBirthDateIn(before.band, now()), assured: null };
        const changed = guard(() => changeBirthDate(current, request.body.dateOfBirth, now(), assurance));
        const band = bandAt(changed.birthDate, now());
        const settings = isMinor(band) && band !== before.band ? defaultSettings(band) : before.settings;
        const text = formatBirthDate(changed.birthDate);
        if (profile) {
          await q.updateSettings(accountId, JSON.stringify(settings));
          await q.updateBirthDate(accountId, text, changed.assured?.method ?? profile.assuredMethod);
        } else {
          await q.insertProfile({
            accountId,
            birthDate: text,
            assuredMethod: changed.assured?.method ?? null,
            settings: JSON.stringify(settings),
            createdAt: now(),
          });
        }
        return { band, settings, assured: changed.assured?.method ?? null };
      });
    },
  );

  // ---- parents ----
  app.post<{ Body: { accountId: string } }>(
    '/v1/safety/parent-links',
    { onRequest: authenticate, schema: { tags, security: bearer, body: accountBody } },
    async (request, reply) => {
      const parentId = me(request).accountId;
      const childId = request.body.accountId;
      const state = await writer.submit(async (tx) => {
        await mustExist(tx, childId);
        const q = safetyQueries(tx);
        const parent = await subject(q, parentId);
        const child = await subject(q, childId);
        const verdict = guard(() => decideParentLink(parent, child));
        if (!verdict.allowed) throw refused(verdict as Decision, 'parent.link', childId);
        const existing = await q.parentLink(parentId, childId);
        if (existing === 'active') return 'active' as const;
        if (existing === undefined) await q.putParentLink(parentId, childId, 'invited', now());
        return 'invited' as const;
      });
      reply.status(state === 'invited' ? 201 : 200);
      return { accountId: childId, state };
    },
  );

  app.post<{ Body: { accountId: string } }>(
    '/v1/safety/parent-links/accept',
    { onRequest: authenticate, schema: { tags, security: bearer, body: accountBody } },
    async (request) => {
      const childId = me(request).accountId;
      const parentId = request.body.accountId;
      return writer.submit(async (tx) => {
        const q = safetyQueries(tx);
        if ((await q.parentLink(parentId, childId)) === undefined) {
          throw new ServerError('PARENT_LINK_NOT_FOUND', `no parent link offered by ${parentId}`, {
            field: 'accountId',
          });
        }
        await q.putParentLink(parentId, childId, 'active', now());
        return { accountId: parentId, state: 'active' };
      });
    },
  );

  /** What a linked parent sees: that controls exist and what waits for approval, never content or contacts. */
  app.get(
    '/v1/safety/children',
    { onRequest: authenticate, schema: { tags, security: bearer } },
    async (request) => {
      const q = safetyQueries(repository);
      const children = [];
      for (const childId of await q.childrenOf(me(request).accountId)) {
        const child = await subject(q, childId);
        const pending = await q.pendingApprovals(childId);
        children.push({
          accountId: childId,
          band: child.band,
          settings: child.settings,
          pendingApprovals: pending.map(({ approvalId, key, value, createdAt }) => ({
            approvalId,
            key,
            value,
            createdAt,
          })),
        });
      }
      return { children };
    },
  );

  app.post<{ Params: { approvalId: string }; Body: { decision: 'approve' | 'decline' } }>(
    '/v1/safety/approvals/:approvalId',
    {
      onRequest: authenticate,
      schema: {
        tags,
        security: bearer,
        params: {
          type: 'object',
          required: ['approvalId'],
          properties: { approvalId: { type: 'string', pattern: '^appr_[A-Za-z0-9_-]{22}$' } },
        },
        body: {
          type: 'object',
          required: ['decision'],
          properties: { decision: { type: 'string', enum: ['approve', 'decline'] } },
        },
      },
    },
    async (request) => {
      const parentId = me(request).accountId;
      const { approvalId } = request.params;
      return writer.submit(async (tx) => {
        const q = safetyQueries(tx);
        const approval = await q.approval(approvalId);
        // Someone else's approval is reported as absent: its existence is not revealed.
        if (
          approval === undefined ||
          approval.state !== 'pending' ||
          (await q.parentLink(parentId, approval.childId)) !== 'active'
        ) {
          throw new ServerError(
            'APPROVAL_NOT_FOUND',
            `no pending approval ${approvalId} for a child of yours`,
            {
              field: 'approvalId',
            },
          );
        }
        if (request.body.decision === 'decline') {
          await q.decideApproval(approvalId, 'declined', parentId, now());
          return { approvalId, status: 'declined' };
        }
        const child = await subject(q, approval.childId);
        const { key, value } = guard(() => parseSetting(approval.key, approval.value));
        const action: PolicyAction = { kind: 'setting.change', key, value, parentApproved: true };
        const decision = guard(() => decide(action, child, child, selfRelationship, child.settings));
        if (!decision.allowed) throw refused(decision, 'setting.change');
        const settings = { ...child.settings, [key]: value };
        await q.updateSettings(child.accountId, JSON.stringify(settings));
        await q.decideApproval(approvalId, 'approved', parentId, now());
        return { approvalId, status: 'applied', settings };
      });
    },
  );
}

const selfRelationship: Relationship = {
  contact: 'none',
  blockedByActor: false,
  blockedByTarget: false,
  actorIsParent: false,
};

/** A date that puts someone in `band` at `now` (the starting point of an undeclared account). */
function anyBirthDateIn(band: AgeBand, now: number) {
  const years = band === 'adult' ? 30 : band === 'teen16to17' ? 16 : band === 'teen13to15' ? 14 : 10;
  const today = new Date(now);
  return { year: today.getUTCFullYear() - years, month: 1, day: 1 };
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

export const safetyRoutes = fp(safetyRoutesPlugin, { name: 'safelight-safety', fastify: '5.x' });
