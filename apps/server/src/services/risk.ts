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
import { conversationQueries } from '../storage/conversation-repository.js';
import type { Scope } from './scope.js';
import type { ServiceDeps, Services } from './services.js';

export interface RiskConfig {
  /** Scores at which friction, restriction and review apply (default 25 / 45 / 65). */
  readonly thresholds?: RiskThresholds;
  /** Signal weights and windows (default DEFAULT_WEIGHTS of @safelight/safety); merged over the defaults. */
  readonly weights?: Partial<SignalWeights>;
}

/** The risk configuration as checked at start. */
export interface ResolvedRisk {
  readonly thresholds: RiskThresholds;
  readonly weights: SignalWeights;
}

/** Checks the configuration: a bad one stops the server at start, naming the field (SafetyError). */
export function resolveRisk(config: RiskConfig | undefined): ResolvedRisk {
  return {
    thresholds: checkThresholds({ ...(config?.thresholds ?? DEFAULT_THRESHOLDS) }),
    weights: checkWeights({ ...DEFAULT_WEIGHTS, ...config?.weights }),
  };
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

const YEAR_MS = 365.25 * 24 * 3_600_000;

/**
 * The metadata risk engine (docs/safety.md, "Signals"). `assess` re-scores an account from
 * metadata only — blocks and reports from minors, requests to minors and their acceptance, age
 * gaps at first contact, account age, conversations started (with minors) in a sliding window,
 * bank hits on unencrypted surfaces — and stores the verdict (restriction feeds the policy: no new
 * contact with minors); reaching review opens a case with the explanation. subscribers/risk.ts
 * calls it on the domain events that concern an account.
 *
 * Friction (docs/safety.md, "Friction notices"): every minor in touch with an account at or above
 * the friction threshold sees a notice with block and report actions. Derived on read from the
 * stored verdict, so a notice appears and goes with the score, and nothing is ever told to the
 * flagged account: it is never the caller's subject, and a notice carries no score or signal.
 */
export class RiskService {
  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {}

  private get db() {
    return this.scope.tx.db;
  }

  /** Re-scores one account, stores the verdict, opens a review case the first time it is reached. */
  async assess(accountId: string): Promise<RiskScore | undefined> {
    const at = this.deps.now();
    const activity = await this.activityOf(accountId, at);
    if (!activity) return undefined;
    const { thresholds, weights } = this.deps.risk;
    const score = scoreActivity(activity, at, thresholds, weights);
    const before = await this.services.safety.riskOf(accountId);
    const stored = JSON.stringify(score);
    await this.db
      .insertInto('risk_state')
      .values({ account_id: accountId, score: stored, updated_at: at })
      .onConflict((c) => c.column('account_id').doUpdateSet({ score: stored, updated_at: at }))
      .execute();
    if (score.actions.includes('review') && !before?.actions.includes('review')) {
      await this.services.moderation.recordMatch({
        subjectAccountId: accountId,
        at,
        source: 'signal',
        detail: `risk score ${score.score.toFixed(1)}: ${score.fired.map((f) => `${f.signal} (+${f.points.toFixed(1)}: ${f.detail})`).join('; ')}`,
        audit: { score: score.score, signals: score.fired.map((f) => f.signal) },
      });
    }
    return score;
  }

  /** The safety notices of `accountId`: none unless it is a minor. */
  async notices(accountId: string): Promise<{ notices: FrictionNotice[] }> {
    if (!isMinor((await this.services.safety.bandOf(accountId)) ?? this.services.safety.undeclaredBand))
      return { notices: [] };
    const inTouch = await this.inTouchWith(accountId);
    // Accounts the minor already blocked need no notice: the action was taken.
    const blocked = await this.db
      .selectFrom('safety_blocks')
      .select('blocked_id')
      .where('blocker_id', '=', accountId)
      .execute();
    for (const b of blocked) inTouch.delete(b.blocked_id);
    if (inTouch.size === 0) return { notices: [] };
    const verdicts = await this.db
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
  }

  /** Everyone the caller is in touch with, and how. */
  private async inTouchWith(accountId: string): Promise<Map<string, Set<FrictionRelation>>> {
    const found = new Map<string, Set<FrictionRelation>>();
    const note = (other: string, relation: FrictionRelation) => {
      if (other === accountId) return;
      const set = found.get(other) ?? new Set<FrictionRelation>();
      set.add(relation);
      found.set(other, set);
    };
    const contacts = await this.db
      .selectFrom('safety_contacts')
      .select(['owner_id', 'other_id', 'state'])
      .where((eb) => eb.or([eb('owner_id', '=', accountId), eb('other_id', '=', accountId)]))
      .execute();
    for (const c of contacts) {
      const other = c.owner_id === accountId ? c.other_id : c.owner_id;
      note(other, c.state === 'accepted' ? 'contact' : 'contact-request');
    }
    const shared = await this.db
      .selectFrom('group_members as other')
      .innerJoin('group_members as mine', 'mine.group_id', 'other.group_id')
      .select('other.account_id')
      .distinct()
      .where('mine.account_id', '=', accountId)
      .execute();
    for (const m of shared) note(m.account_id, 'conversation');
    return found;
  }

  private async birthDates(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('safety_profiles')
      .select(['account_id', 'birth_date'])
      .where('account_id', 'in', [...new Set(ids)])
      .execute();
    return new Map(rows.map((r) => [r.account_id, r.birth_date]));
  }

  private async activityOf(accountId: string, at: number): Promise<AccountActivity | undefined> {
    const db = this.db;
    const account = await db
      .selectFrom('accounts')
      .select('created_at')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!account) return undefined;
    const { weights } = this.deps.risk;
    /** How far back conversation starts are read: the longer of the two burst windows. */
    const burstLookbackMs = Math.max(weights.burstWindowMs, weights.minorBurstWindowMs);
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
    const { reports, hashHits } = await this.services.moderation.subjectHistory(accountId);
    const started = await conversationQueries(this.scope.tx).startedSince(accountId, at - burstLookbackMs);
    const dates = await this.birthDates([
      accountId,
      ...blocks.map((b) => b.blocker_id),
      ...requests.map((r) => r.other_id),
      ...reports.map((r) => r.reporterAccountId),
      ...started.flatMap((c) => c.adds.map((a) => a.accountId)),
    ]);
    const minor = (birthDate: string | undefined) =>
      birthDate !== undefined && isMinor(bandAt(parseBirthDate(birthDate, at), at));
    const ageAt = (birthDate: string | undefined) =>
      birthDate === undefined ? undefined : (at - Date.parse(`${birthDate}T00:00:00Z`)) / YEAR_MS;
    const own = dates.get(accountId);
    const toMinors = requests.filter((r) => minor(dates.get(r.other_id)));
    return {
      accountId,
      band: own ? bandAt(parseBirthDate(own, at), at) : 'adult',
      createdAt: Number(account.created_at),
      blocksFromMinors: blocks.filter((b) => minor(dates.get(b.blocker_id))).map((b) => Number(b.created_at)),
      reportsFromMinors: reports.filter((r) => minor(dates.get(r.reporterAccountId))).map((r) => r.at),
      requestsToMinors: toMinors.map((r) => ({
        at: Number(r.created_at),
        accepted: r.state === 'accepted' ? true : null,
      })),
      firstContactAgeGaps: toMinors
        .filter((r) => r.state === 'accepted')
        .map((r) => (ageAt(own) ?? 18) - (ageAt(dates.get(r.other_id)) ?? 18)),
      // A conversation starts when its creator first brings someone in; it is "with a minor"
      // from the first minor the creator brings in (a group grown into one counts then).
      conversationsStarted: started.map((c) => Math.min(...c.adds.map((a) => a.at))),
      conversationsWithMinors: started.flatMap((c) => {
        const minors = c.adds.filter((a) => minor(dates.get(a.accountId)));
        return minors.length > 0 ? [Math.min(...minors.map((a) => a.at))] : [];
      }),
      hashHits,
    };
  }
}
