import { bandAt, isMinor, parseBirthDate, type RiskScore } from '@safelight/safety';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { SafetyConfig } from '../config.js';
import type { DeliveryRepository, SessionRow } from '../storage/repository.js';

export interface FrictionRoutesOptions {
  repository: DeliveryRepository;
  authenticate: (request: FastifyRequest) => Promise<void>;
  now: () => number;
  safety?: SafetyConfig | undefined;
}

/** How the minor knows the flagged account: the notice says which, so the child recognises it. */
export type FrictionRelation = 'contact' | 'contact-request' | 'conversation';

/** A safety notice shown to a minor about an account they are in touch with (docs/safety.md). */
export interface FrictionNotice {
  kind: 'risk-friction';
  /** The account the notice is about (never the caller). */
  accountId: string;
  relations: FrictionRelation[];
  message: string;
  actions: Array<{ kind: 'block' | 'report' | 'talk-to-someone-you-trust'; label: string }>;
}

const MESSAGE =
  'Be careful with this account. Other young people have had problems with it. You do not have to answer, and you can block or report it at any time.';
const ACTIONS: FrictionNotice['actions'] = [
  { kind: 'block', label: 'Block' },
  { kind: 'report', label: 'Report' },
  { kind: 'talk-to-someone-you-trust', label: 'Talk to someone you trust' },
];

type FrictionDb = Kysely<{
  safety_profiles: { account_id: string; birth_date: string };
  safety_contacts: { owner_id: string; other_id: string; state: string };
  safety_blocks: { blocker_id: string; blocked_id: string };
  group_members: { group_id: string; account_id: string };
  risk_state: { account_id: string; score: string };
}>;

/**
 * Friction (docs/safety.md, "Friction notices"): when the risk engine puts an account at or above
 * the friction threshold (routes/risk.ts stores the verdict), every minor in touch with it — an
 * accepted contact, a contact request either way, a shared conversation — sees a safety notice with
 * block and report actions at `GET /v1/safety/notices`. Derived on read from the stored verdict, so
 * a notice appears and goes with the score, and nothing is ever sent to the flagged account: it is
 * never the caller's subject, and the response carries no score or signal.
 */
export const frictionRoutes = fp(async (app: FastifyInstance, options: FrictionRoutesOptions) => {
  const { repository, authenticate, now } = options;
  const maybeDb = (repository as unknown as { db?: FrictionDb }).db;
  if (maybeDb === undefined) throw new Error('friction notices need a Kysely-backed delivery repository');
  const db: FrictionDb = maybeDb;
  // An undeclared account is a minor exactly when registration requires a date (safety.ts).
  const undeclaredIsMinor = options.safety?.requireBirthDate ?? false;

  async function callerIsMinor(accountId: string): Promise<boolean> {
    const profile = await db
      .selectFrom('safety_profiles')
      .select('birth_date')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!profile) return undeclaredIsMinor;
    const at = now();
    return isMinor(bandAt(parseBirthDate(profile.birth_date, at), at));
  }

  /** Everyone the caller is in touch with, and how. */
  async function inTouchWith(accountId: string): Promise<Map<string, Set<FrictionRelation>>> {
    const found = new Map<string, Set<FrictionRelation>>();
    const note = (other: string, relation: FrictionRelation) => {
      if (other === accountId) return;
      const set = found.get(other) ?? new Set<FrictionRelation>();
      set.add(relation);
      found.set(other, set);
    };
    const contacts = await db
      .selectFrom('safety_contacts')
      .select(['owner_id', 'other_id', 'state'])
      .where((eb) => eb.or([eb('owner_id', '=', accountId), eb('other_id', '=', accountId)]))
      .execute();
    for (const c of contacts) {
      const other = c.owner_id === accountId ? c.other_id : c.owner_id;
      note(other, c.state === 'accepted' ? 'contact' : 'contact-request');
    }
    const shared = await db
      .selectFrom('group_members as other')
      .innerJoin('group_members as mine', 'mine.group_id', 'other.group_id')
      .select('other.account_id')
      .distinct()
      .where('mine.account_id', '=', accountId)
      .execute();
    for (const m of shared) note(m.account_id, 'conversation');
    return found;
  }

  app.get(
    '/v1/safety/notices',
    { onRequest: authenticate, schema: { tags: ['safety'], security: [{ bearer: [] }] } },
    async (request) => {
      const accountId = (request.session as SessionRow).accountId;
      if (!(await callerIsMinor(accountId))) return { notices: [] };
      const inTouch = await inTouchWith(accountId);
      if (inTouch.size === 0) return { notices: [] };
      // Accounts the minor already blocked need no notice: the action was taken.
      const blocked = await db
        .selectFrom('safety_blocks')
        .select('blocked_id')
        .where('blocker_id', '=', accountId)
        .execute();
      for (const b of blocked) inTouch.delete(b.blocked_id);
      if (inTouch.size === 0) return { notices: [] };
      const verdicts = await db
        .selectFrom('risk_state')
        .select(['account_id', 'score'])
        .where('account_id', 'in', [...inTouch.keys()])
        .execute();
      const notices: FrictionNotice[] = [];
      for (const v of verdicts) {
        if (!(JSON.parse(v.score) as RiskScore).actions.includes('friction')) continue;
        notices.push({
          kind: 'risk-friction',
          accountId: v.account_id,
          relations: [...(inTouch.get(v.account_id) ?? [])].sort(),
          message: MESSAGE,
          actions: ACTIONS,
        });
      }
      notices.sort((a, b) => a.accountId.localeCompare(b.accountId));
      return { notices };
    },
  );
});
