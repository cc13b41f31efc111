import {
  type AccountActivity,
  bandAt,
  checkThresholds,
  checkWeights,
  DEFAULT_THRESHOLDS,
  DEFAULT_WEIGHTS,
  isMinor,
  parseBirthDate,
  type RiskScore,
  type RiskThresholds,
  type SignalWeights,
  scoreActivity,
} from '@safelight/safety';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { EventBus } from '../events.js';
import { recordMatch } from '../services/moderation.js';
import { conversationQueries } from '../storage/conversation-repository.js';
import type { DeliveryRepository, SessionRow } from '../storage/repository.js';
import type { GroupCommitWriter } from '../writer.js';

export interface RiskConfig {
  /** Scores at which friction, restriction and review apply (default 25 / 45 / 65). */
  readonly thresholds?: RiskThresholds;
  /** Signal weights and windows (default DEFAULT_WEIGHTS of @safelight/safety); merged over the defaults. */
  readonly weights?: Partial<SignalWeights>;
}

export interface RiskRoutesOptions {
  repository: DeliveryRepository;
  writer: GroupCommitWriter;
  now: () => number;
  config?: RiskConfig | undefined;
  /** Domain events: a report re-scores its subject (POST /v1/reports is on the device plugin). */
  events?: EventBus;
}

type RiskDb = Kysely<{
  accounts: { account_id: string; created_at: number };
  safety_profiles: { account_id: string; birth_date: string };
  safety_blocks: { blocker_id: string; blocked_id: string; created_at: number };
  safety_contacts: { owner_id: string; other_id: string; state: string; created_at: number };
  mod_cases: { case_id: string; subject_account_id: string };
  mod_reports: { case_id: string; reporter_account_id: string; created_at: number };
  mod_case_events: { case_id: string; event: string };
  risk_state: { account_id: string; score: string; updated_at: number };
}>;

const YEAR_MS = 365.25 * 24 * 3_600_000;

/** The latest risk verdict for an account, or undefined. Used by the policy (restriction). */
// Pass the handle of the transaction you are in (a repository, its transaction, or SafetyQueries):
// on SQLite a read on another handle waits for the writer's one connection.
export async function riskOf(queries: unknown, accountId: string): Promise<RiskScore | undefined> {
  const row = await dbOf(queries)
    .selectFrom('risk_state')
    .select('score')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row ? (JSON.parse(row.score) as RiskScore) : undefined;
}

function dbOf(queries: unknown): RiskDb {
  const db = (queries as { db?: RiskDb }).db;
  if (db === undefined) throw new Error('the risk engine needs a Kysely-backed delivery repository');
  return db;
}

/**
 * The metadata risk engine on live server events (docs/safety.md, "Signals"): after a block, a
 * contact request, a report or a commit adding accounts, the accounts concerned are re-scored from
 * metadata only — blocks and reports from minors, requests to minors and their acceptance, age
 * gaps at first contact, account age, conversations started (with minors) in a sliding window,
 * bank hits on unencrypted surfaces. The verdict is stored (restriction feeds the
 * policy: no new contact with minors); reaching review opens a case with the explanation.
 */
export const riskRoutes = fp(async (app: FastifyInstance, options: RiskRoutesOptions) => {
  const { repository, writer, now } = options;
  // A bad configuration stops the server at start, naming the field (SafetyError).
  const thresholds = checkThresholds({ ...(options.config?.thresholds ?? DEFAULT_THRESHOLDS) });
  const weights = checkWeights({ ...DEFAULT_WEIGHTS, ...options.config?.weights });
  const db = dbOf(repository);
  const conversations = conversationQueries(repository);
  /** How far back conversation starts are read: the longer of the two burst windows. */
  const burstLookbackMs = Math.max(weights.burstWindowMs, weights.minorBurstWindowMs);

  const birthDates = async (ids: readonly string[]) => {
    if (ids.length === 0) return new Map<string, string>();
    const rows = await db
      .selectFrom('safety_profiles')
      .select(['account_id', 'birth_date'])
      .where('account_id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.account_id, r.birth_date]));
  };
  const ageAt = (birthDate: string | undefined, at: number) =>
    birthDate === undefined ? undefined : (at - Date.parse(`${birthDate}T00:00:00Z`)) / YEAR_MS;
  const minor = (birthDate: string | undefined, at: number) =>
    birthDate !== undefined && isMinor(bandAt(parseBirthDate(birthDate, at), at));

  async function activityOf(accountId: string, at: number): Promise<AccountActivity | undefined> {
    const account = await db
      .selectFrom('accounts')
      .select('created_at')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!account) return undefined;
    const blocks = await db
      .selectFrom('safety_blocks')
      .select(['blocker_id', 'created_at'])
      .where('blocked_id', '=', accountId)
      .execute();
    const requests = await db
      .selectFrom('safety_contacts')
      .select(['other_id', 'state', 'created_at'])
      .where('owner_id', '=', accountId)
      .execute();
    const cases = await db
      .selectFrom('mod_cases')
      .select('case_id')
      .where('subject_account_id', '=', accountId)
      .execute();
    const caseIds = cases.map((c) => c.case_id);
    const reports = caseIds.length
      ? await db
          .selectFrom('mod_reports')
          .select(['reporter_account_id', 'created_at'])
          .where('case_id', 'in', caseIds)
          .execute()
      : [];
    const events = caseIds.length
      ? await db.selectFrom('mod_case_events').select('event').where('case_id', 'in', caseIds).execute()
      : [];
    const started = await conversations.startedSince(accountId, at - burstLookbackMs);
    const dates = await birthDates([
      accountId,
      ...blocks.map((b) => b.blocker_id),
      ...requests.map((r) => r.other_id),
      ...reports.map((r) => r.reporter_account_id),
      ...started.flatMap((c) => c.adds.map((a) => a.accountId)),
    ]);
    const own = dates.get(accountId);
    const toMinors = requests.filter((r) => minor(dates.get(r.other_id), at));
    return {
      accountId,
      band: own ? bandAt(parseBirthDate(own, at), at) : 'adult',
      createdAt: Number(account.created_at),
      blocksFromMinors: blocks
        .filter((b) => minor(dates.get(b.blocker_id), at))
        .map((b) => Number(b.created_at)),
      reportsFromMinors: reports
        .filter((r) => minor(dates.get(r.reporter_account_id), at))
        .map((r) => Number(r.created_at)),
      requestsToMinors: toMinors.map((r) => ({
        at: Number(r.created_at),
        accepted: r.state === 'accepted' ? true : null,
      })),
      firstContactAgeGaps: toMinors
        .filter((r) => r.state === 'accepted')
        .map((r) => (ageAt(own, at) ?? 18) - (ageAt(dates.get(r.other_id), at) ?? 18)),
      // A conversation starts when its creator first brings someone in; it is "with a minor"
      // from the first minor the creator brings in (a group grown into one counts then).
      conversationsStarted: started.map((c) => Math.min(...c.adds.map((a) => a.at))),
      conversationsWithMinors: started.flatMap((c) => {
        const minors = c.adds.filter((a) => minor(dates.get(a.accountId), at));
        return minors.length > 0 ? [Math.min(...minors.map((a) => a.at))] : [];
      }),
      hashHits: events
        .map((e) => JSON.parse(e.event) as { type: string; source?: string; at: number })
        .filter((e) => e.type === 'match' && e.source === 'hash-match')
        .map((e) => e.at),
    };
  }

  /** Re-scores one account, stores the verdict, opens a review case the first time it is reached. */
  async function assess(accountId: string): Promise<RiskScore | undefined> {
    const at = now();
    const activity = await activityOf(accountId, at);
    if (!activity) return undefined;
    const score = scoreActivity(activity, at, thresholds, weights);
    const before = await riskOf(repository, accountId);
    await writer.submit(async (tx) => {
      await dbOf(tx)
        .insertInto('risk_state')
        .values({ account_id: accountId, score: JSON.stringify(score), updated_at: at })
        .onConflict((c) =>
          c.column('account_id').doUpdateSet({ score: JSON.stringify(score), updated_at: at }),
        )
        .execute();
      if (score.actions.includes('review') && !before?.actions.includes('review')) {
        await recordMatch(tx, {
          subjectAccountId: accountId,
          at,
          source: 'signal',
          detail: `risk score ${score.score.toFixed(1)}: ${score.fired.map((f) => `${f.signal} (+${f.points.toFixed(1)}: ${f.detail})`).join('; ')}`,
          audit: { score: score.score, signals: score.fired.map((f) => f.signal) },
        });
      }
    });
    return score;
  }

  /** Which accounts an event concerns: the blocked, the requester, the reported. */
  const concerned = (request: FastifyRequest): string[] => {
    const route = request.routeOptions.url;
    const body = request.body as {
      accountId?: string;
      reportedAccountId?: string;
      messages?: Array<{ senderAccountId?: string }>;
    };
    const session = request.session as SessionRow | null | undefined;
    if (route === '/v1/safety/blocks') return body?.accountId ? [body.accountId] : [];
    if (route === '/v1/safety/contact-requests') return session ? [session.accountId] : [];
    // A commit that brings accounts in may start a conversation: re-score its author (bursts).
    if (route === '/v1/groups/:groupId/commits')
      return session && (body as { addDevices?: unknown[] })?.addDevices?.length ? [session.accountId] : [];
    if (route === '/v1/reports') {
      const last = body?.messages?.at(-1)?.senderAccountId;
      return [body?.reportedAccountId ?? last].filter((id): id is string => typeof id === 'string');
    }
    return [];
  };

  const unsubscribe = options.events?.subscribe('report.received', (event) => {
    assess(event.subjectAccountId).catch((error: unknown) =>
      app.log.error({ err: error }, 'risk assessment failed'),
    );
  });
  if (unsubscribe) app.addHook('onClose', async () => unsubscribe());

  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST' || reply.statusCode >= 300) return;
    for (const accountId of concerned(request)) {
      assess(accountId).catch((error: unknown) =>
        request.log.error({ err: error }, 'risk assessment failed'),
      );
    }
  });
});
