import { SafetyError } from '../errors.js';
import type { AgeBand } from '../policy/age.js';

const DAY = 24 * 3600 * 1000;

/**
 * What the server knows about one account's behaviour, from metadata only (docs/safety.md,
 * "Signals"): no message content, no attachment content. Times are ms since the epoch.
 */
export interface AccountActivity {
  accountId: string;
  band: AgeBand;
  createdAt: number;
  /** When minors blocked this account. */
  blocksFromMinors: readonly number[];
  /** When minors reported this account. */
  reportsFromMinors: readonly number[];
  /** Contact requests this account sent to minors: when, and whether accepted (null: pending). */
  requestsToMinors: ReadonlyArray<{ at: number; accepted: boolean | null }>;
  /** Age gap in years (this account minus the minor) at each first contact with a minor. */
  firstContactAgeGaps: readonly number[];
  /** When this account started new conversations (first add of another account to a group). */
  conversationsStarted: readonly number[];
  /**
   * When this account started a conversation with a minor: it created the group and brought a
   * minor into it (one time per conversation, the first minor's add). Scored for adults only.
   */
  conversationsWithMinors: readonly number[];
  /** Bank matches on this account's unencrypted surfaces (profile photo, group avatars it set). */
  hashHits: readonly number[];
}

export type SignalName =
  | 'blocksFromMinors'
  | 'reportsFromMinors'
  | 'requestFanOutToMinors'
  | 'lowAcceptanceFromMinors'
  | 'ageGapAtFirstContact'
  | 'newAccountContactingMinors'
  | 'conversationBurst'
  | 'conversationBurstWithMinors'
  | 'hashHitOnProfile';

export interface SignalWeights {
  /** Points at saturation for each signal (the score is their sum, 0..sum of weights). */
  weights: Record<SignalName, number>;
  /** Half-life of blocks and reports (ms). */
  halfLifeMs: number;
  /** Window for fan-out and acceptance (ms). */
  fanOutWindowMs: number;
  /** Requests to minors in the window before fan-out counts. */
  fanOutFree: number;
  /** Window for conversation bursts (ms) and the count before it counts. */
  burstWindowMs: number;
  burstFree: number;
  /**
   * Sliding window for new conversations with minors (ms), the count in it before it counts,
   * and the count beyond that at which it reaches 63% of its weight.
   */
  minorBurstWindowMs: number;
  minorBurstFree: number;
  minorBurstScale: number;
  /** Age gap (years) before it counts; counts fully at gapFull. */
  gapFree: number;
  gapFull: number;
  /** Accounts younger than this (ms) that contact minors score. */
  newAccountMs: number;
}

export const DEFAULT_WEIGHTS: SignalWeights = {
  weights: {
    blocksFromMinors: 25,
    reportsFromMinors: 30,
    requestFanOutToMinors: 20,
    lowAcceptanceFromMinors: 15,
    ageGapAtFirstContact: 10,
    newAccountContactingMinors: 10,
    conversationBurst: 10,
    conversationBurstWithMinors: 15,
    hashHitOnProfile: 60,
  },
  halfLifeMs: 30 * DAY,
  fanOutWindowMs: 7 * DAY,
  fanOutFree: 5,
  burstWindowMs: DAY,
  burstFree: 10,
  minorBurstWindowMs: DAY,
  minorBurstFree: 3,
  minorBurstScale: 5,
  gapFree: 5,
  gapFull: 20,
  newAccountMs: 30 * DAY,
};

/** One signal that fired: its raw measure and the points it added. */
export interface FiredSignal {
  signal: SignalName;
  /** The measure, in the unit `detail` names. */
  value: number;
  points: number;
  detail: string;
}

export type RiskAction = 'friction' | 'restriction' | 'review';

/**
 * Score at or above which each action applies. friction: a safety notice (with block/report
 * buttons) to minors talking to the account; restriction: no new contact with minors
 * (PolicyActor.restricted); review: a case for a human.
 */
export interface RiskThresholds {
  friction: number;
  restriction: number;
  review: number;
}

export const DEFAULT_THRESHOLDS: RiskThresholds = { friction: 25, restriction: 45, review: 65 };

export interface RiskScore {
  accountId: string;
  score: number;
  /** The signals that fired, largest contribution first. */
  fired: FiredSignal[];
  actions: RiskAction[];
}

/** 1 - e^(-x): 0 at 0, 0.63 at 1, 0.95 at 3; saturates so no single signal runs away. */
const saturate = (x: number) => (x <= 0 ? 0 : 1 - Math.exp(-x));

/**
 * Scores one account from its metadata. Pure and deterministic: the same activity, `now` and
 * weights give the same score and explanation.
 */
export function scoreActivity(
  activity: AccountActivity,
  now: number,
  thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
  config: SignalWeights = DEFAULT_WEIGHTS,
): RiskScore {
  if (!Number.isFinite(now))
    throw new SafetyError('SIGNAL_INPUT_INVALID', 'now', 'now must be a finite time');
  if (!Number.isFinite(activity.createdAt))
    throw new SafetyError('SIGNAL_INPUT_INVALID', 'activity.createdAt', 'createdAt must be a finite time');
  const w = config.weights;
  const fired: FiredSignal[] = [];
  const add = (signal: SignalName, value: number, strength: number, detail: string) => {
    const points = w[signal] * Math.min(1, Math.max(0, strength));
    if (points > 0.005) fired.push({ signal, value: round(value), points: round(points), detail });
  };
  const decay = (times: readonly number[]) => {
    let sum = 0;
    for (const t of times) if (t <= now) sum += 0.5 ** ((now - t) / config.halfLifeMs);
    return sum;
  };

  const blocks = decay(activity.blocksFromMinors);
  add('blocksFromMinors', blocks, saturate(blocks / 2), 'blocks by minors, time-decayed');
  const reports = decay(activity.reportsFromMinors);
  add('reportsFromMinors', reports, saturate(reports / 1.5), 'reports by minors, time-decayed');

  const recent = activity.requestsToMinors.filter((r) => r.at <= now && now - r.at <= config.fanOutWindowMs);
  const fanOut = recent.length;
  add(
    'requestFanOutToMinors',
    fanOut,
    saturate((fanOut - config.fanOutFree) / 10),
    `contact requests to minors in ${Math.round(config.fanOutWindowMs / DAY)} days`,
  );
  const answered = recent.filter((r) => r.accepted !== null);
  if (answered.length >= config.fanOutFree) {
    const rate = answered.filter((r) => r.accepted).length / answered.length;
    add('lowAcceptanceFromMinors', rate, (0.5 - rate) / 0.5, 'share of answered requests to minors accepted');
  }
  if (activity.band === 'adult' && activity.firstContactAgeGaps.length > 0) {
    const gaps = [...activity.firstContactAgeGaps].sort((a, b) => a - b);
    const median = gaps[gaps.length >> 1] as number;
    add(
      'ageGapAtFirstContact',
      median,
      (median - config.gapFree) / (config.gapFull - config.gapFree),
      'median age gap (years) at first contact with a minor',
    );
  }
  const ageMs = now - activity.createdAt;
  if (ageMs < config.newAccountMs && activity.requestsToMinors.length > 0) {
    add(
      'newAccountContactingMinors',
      ageMs / DAY,
      1 - ageMs / config.newAccountMs,
      'account age (days) while contacting minors',
    );
  }
  let burst = 0;
  for (const t of activity.conversationsStarted) if (t <= now && now - t <= config.burstWindowMs) burst++;
  add(
    'conversationBurst',
    burst,
    saturate((burst - config.burstFree) / 10),
    `new conversations in ${Math.round(config.burstWindowMs / 3600000)} hours`,
  );
  // Adults only, as the age gap: teenagers start conversations with their peers all the time.
  if (activity.band === 'adult') {
    let withMinors = 0;
    for (const t of activity.conversationsWithMinors)
      if (t <= now && now - t <= config.minorBurstWindowMs) withMinors++;
    add(
      'conversationBurstWithMinors',
      withMinors,
      saturate((withMinors - config.minorBurstFree) / config.minorBurstScale),
      `new conversations with minors in ${Math.round(config.minorBurstWindowMs / 3600000)} hours (${config.minorBurstFree} free)`,
    );
  }
  const hits = activity.hashHits.filter((t) => t <= now).length;
  add('hashHitOnProfile', hits, hits > 0 ? 1 : 0, 'bank matches on profile photo or group avatars');

  fired.sort((a, b) => b.points - a.points);
  const score = round(fired.reduce((s, f) => s + f.points, 0));
  const actions: RiskAction[] = [];
  if (score >= thresholds.friction) actions.push('friction');
  if (score >= thresholds.restriction) actions.push('restriction');
  if (score >= thresholds.review) actions.push('review');
  return { accountId: activity.accountId, score, fired, actions };
}

const round = (x: number) => Math.round(x * 100) / 100;

export function checkThresholds(t: RiskThresholds): RiskThresholds {
  for (const key of ['friction', 'restriction', 'review'] as const) {
    if (!Number.isFinite(t[key]) || t[key] <= 0)
      throw new SafetyError(
        'THRESHOLDS_INVALID',
        `thresholds.${key}`,
        `thresholds.${key} must be a positive number`,
      );
  }
  if (!(t.friction <= t.restriction && t.restriction <= t.review)) {
    throw new SafetyError(
      'THRESHOLDS_INVALID',
      'thresholds',
      'thresholds must rise: friction <= restriction <= review',
    );
  }
  return t;
}

const SIGNAL_NAMES: readonly SignalName[] = Object.keys(DEFAULT_WEIGHTS.weights) as SignalName[];

/** Checks configured weights and windows; WEIGHTS_INVALID names the first bad field. */
export function checkWeights(config: SignalWeights): SignalWeights {
  const bad = (field: string, why: string) => new SafetyError('WEIGHTS_INVALID', field, `${field} ${why}`);
  for (const name of SIGNAL_NAMES) {
    const w = config.weights?.[name];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw bad(`weights.weights.${name}`, 'must be a number >= 0');
  }
  for (const key of [
    'halfLifeMs',
    'fanOutWindowMs',
    'burstWindowMs',
    'minorBurstWindowMs',
    'newAccountMs',
    'minorBurstScale',
  ] as const) {
    if (!(Number.isFinite(config[key]) && config[key] > 0))
      throw bad(`weights.${key}`, 'must be a number > 0');
  }
  for (const key of ['fanOutFree', 'burstFree', 'minorBurstFree', 'gapFree'] as const) {
    if (!(Number.isFinite(config[key]) && config[key] >= 0))
      throw bad(`weights.${key}`, 'must be a number >= 0');
  }
  if (!(config.gapFull > config.gapFree)) throw bad('weights.gapFull', 'must be above gapFree');
  return config;
}

/** An action the engine asks the host to take (the host shows notices, sets restrictions, opens cases). */
export interface RiskEvent {
  type: RiskAction;
  accountId: string;
  score: number;
  fired: FiredSignal[];
  at: number;
}

/**
 * Scores accounts and emits one event per action newly reached (an account that stays above a
 * threshold is not re-emitted until it drops below it). The host wires `onEvent` to its notice,
 * restriction and case machinery (the reporting queue, when it lands).
 */
export class RiskEngine {
  private readonly reached = new Map<string, Set<RiskAction>>();
  readonly thresholds: RiskThresholds;

  constructor(
    private readonly onEvent: (event: RiskEvent) => void,
    thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
    private readonly weights: SignalWeights = DEFAULT_WEIGHTS,
  ) {
    this.thresholds = checkThresholds({ ...thresholds });
  }

  evaluate(activity: AccountActivity, now: number): RiskScore {
    const result = scoreActivity(activity, now, this.thresholds, this.weights);
    const before = this.reached.get(activity.accountId) ?? new Set<RiskAction>();
    const after = new Set(result.actions);
    for (const action of result.actions) {
      if (!before.has(action)) {
        this.onEvent({
          type: action,
          accountId: activity.accountId,
          score: result.score,
          fired: result.fired,
          at: now,
        });
      }
    }
    if (after.size === 0) this.reached.delete(activity.accountId);
    else this.reached.set(activity.accountId, after);
    return result;
  }
}
