import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SafetyError } from '../errors.js';
import {
  type AccountActivity,
  checkWeights,
  DEFAULT_WEIGHTS,
  RiskEngine,
  type RiskEvent,
  scoreActivity,
} from './index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15);
const quiet = (extra: Partial<AccountActivity> = {}): AccountActivity => ({
  accountId: 'acct_quiet',
  band: 'adult',
  createdAt: NOW - 400 * DAY,
  blocksFromMinors: [],
  reportsFromMinors: [],
  requestsToMinors: [],
  firstContactAgeGaps: [],
  conversationsStarted: [],
  conversationsWithMinors: [],
  hashHits: [],
  ...extra,
});

describe('risk signals', () => {
  it('scores a quiet account zero with nothing fired', () => {
    const r = scoreActivity(quiet(), NOW);
    assert.equal(r.score, 0);
    assert.deepEqual(r.fired, []);
    assert.deepEqual(r.actions, []);
  });

  it('explains which signals fired and by how much, largest first', () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({
      at: NOW - i * 3600_000,
      accepted: i % 10 === 0,
    }));
    const r = scoreActivity(
      quiet({
        createdAt: NOW - 3 * DAY,
        blocksFromMinors: [NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY],
        requestsToMinors: requests,
        firstContactAgeGaps: [22, 25, 19],
      }),
      NOW,
    );
    const names = r.fired.map((f) => f.signal);
    assert.deepEqual(
      new Set(names),
      new Set([
        'blocksFromMinors',
        'requestFanOutToMinors',
        'lowAcceptanceFromMinors',
        'ageGapAtFirstContact',
        'newAccountContactingMinors',
      ]),
    );
    for (let i = 1; i < r.fired.length; i++) assert.ok(r.fired[i - 1]!.points >= r.fired[i]!.points);
    const sum = r.fired.reduce((s, f) => s + f.points, 0);
    assert.ok(Math.abs(sum - r.score) < 0.05);
    const fanOut = r.fired.find((f) => f.signal === 'requestFanOutToMinors')!;
    assert.equal(fanOut.value, 30);
    assert.match(fanOut.detail, /7 days/);
    assert.equal(r.fired.find((f) => f.signal === 'lowAcceptanceFromMinors')!.value, 0.1);
    assert.deepEqual(r.actions, ['friction', 'restriction', 'review']);
  });

  it('decays blocks and reports with time', () => {
    const fresh = scoreActivity(quiet({ reportsFromMinors: [NOW - DAY, NOW - DAY] }), NOW);
    const old = scoreActivity(quiet({ reportsFromMinors: [NOW - 120 * DAY, NOW - 120 * DAY] }), NOW);
    assert.ok(fresh.score > 3 * old.score, `${fresh.score} vs ${old.score}`);
    // Four half-lives: one sixteenth of the weight.
    assert.equal(old.fired[0]!.value, 0.13);
  });

  it('counts the age gap only for adults and a burst only above its free allowance', () => {
    assert.equal(scoreActivity(quiet({ band: 'teen16to17', firstContactAgeGaps: [3] }), NOW).score, 0);
    assert.equal(scoreActivity(quiet({ firstContactAgeGaps: [3] }), NOW).score, 0);
    const gap = scoreActivity(quiet({ firstContactAgeGaps: [20] }), NOW);
    assert.equal(gap.fired[0]!.signal, 'ageGapAtFirstContact');
    const nine = Array.from({ length: 9 }, (_, i) => NOW - i * 60_000);
    assert.equal(scoreActivity(quiet({ conversationsStarted: nine }), NOW).score, 0);
    const forty = Array.from({ length: 40 }, (_, i) => NOW - i * 60_000);
    assert.equal(
      scoreActivity(quiet({ conversationsStarted: forty }), NOW).fired[0]!.signal,
      'conversationBurst',
    );
  });

  it('scores a burst of new conversations with minors in a sliding window, for adults only', () => {
    const minutesAgo = (n: number) => Array.from({ length: n }, (_, i) => NOW - (i + 1) * 60_000);
    // Three a day are free (a parent, a coach setting up a team chat).
    assert.equal(scoreActivity(quiet({ conversationsWithMinors: minutesAgo(3) }), NOW).score, 0);
    const eight = scoreActivity(quiet({ conversationsWithMinors: minutesAgo(8) }), NOW);
    assert.deepEqual(
      eight.fired.map((f) => f.signal),
      ['conversationBurstWithMinors'],
    );
    const fired = eight.fired[0]!;
    assert.equal(fired.value, 8);
    // 15 x (1 - e^-1): five beyond the free three is 63% of the weight.
    assert.equal(fired.points, 9.48);
    assert.equal(fired.detail, 'new conversations with minors in 24 hours (3 free)');
    const twenty = scoreActivity(quiet({ conversationsWithMinors: minutesAgo(20) }), NOW).score;
    assert.ok(twenty > eight.score && twenty <= 15, `${twenty}`);
    // The window slides: the same eight spread over the last week count only today's.
    const week = Array.from({ length: 8 }, (_, i) => NOW - i * DAY - 60_000);
    assert.equal(scoreActivity(quiet({ conversationsWithMinors: week }), NOW).score, 0);
    // Not yet happened (clock skew) does not count.
    const future = Array.from({ length: 8 }, () => NOW + 60_000);
    assert.equal(scoreActivity(quiet({ conversationsWithMinors: future }), NOW).score, 0);
    // Teenagers start conversations with peers: not scored.
    assert.equal(
      scoreActivity(quiet({ band: 'teen16to17', conversationsWithMinors: minutesAgo(20) }), NOW).score,
      0,
    );
    // With the other signals it can tip an account into friction.
    const base = quiet({
      createdAt: NOW - 2 * DAY,
      blocksFromMinors: [NOW - DAY],
      requestsToMinors: [{ at: NOW - DAY, accepted: true }],
    });
    assert.deepEqual(scoreActivity(base, NOW).actions, []);
    assert.deepEqual(scoreActivity({ ...base, conversationsWithMinors: minutesAgo(8) }, NOW).actions, [
      'friction',
    ]);
  });

  it('refuses bad weights and windows, naming the field', () => {
    assert.equal(checkWeights(DEFAULT_WEIGHTS), DEFAULT_WEIGHTS);
    const cases: Array<[object, string]> = [
      [{ minorBurstWindowMs: 0 }, 'weights.minorBurstWindowMs'],
      [{ minorBurstFree: -1 }, 'weights.minorBurstFree'],
      [{ minorBurstScale: Number.NaN }, 'weights.minorBurstScale'],
      [
        { weights: { ...DEFAULT_WEIGHTS.weights, conversationBurstWithMinors: -5 } },
        'weights.weights.conversationBurstWithMinors',
      ],
      [{ weights: { blocksFromMinors: 1 } }, 'weights.weights.reportsFromMinors'],
      [{ gapFull: 5 }, 'weights.gapFull'],
    ];
    for (const [change, field] of cases) {
      assert.throws(
        () => checkWeights({ ...DEFAULT_WEIGHTS, ...change } as typeof DEFAULT_WEIGHTS),
        (e: unknown) => (e as SafetyError).code === 'WEIGHTS_INVALID' && (e as SafetyError).field === field,
        field,
      );
    }
  });

  it('treats one hash hit on a profile photo as enough for restriction on its own', () => {
    const r = scoreActivity(quiet({ hashHits: [NOW - DAY] }), NOW);
    assert.equal(r.fired[0]!.signal, 'hashHitOnProfile');
    assert.deepEqual(r.actions, ['friction', 'restriction']);
    const withReport = scoreActivity(quiet({ hashHits: [NOW - DAY], reportsFromMinors: [NOW - DAY] }), NOW);
    assert.ok(withReport.actions.includes('review'));
  });

  it('emits each action once when first reached, again only after dropping below', () => {
    const events: RiskEvent[] = [];
    const engine = new RiskEngine((e) => events.push(e));
    const risky = quiet({ hashHits: [NOW - DAY], reportsFromMinors: [NOW - DAY] });
    engine.evaluate(risky, NOW);
    assert.deepEqual(
      events.map((e) => e.type),
      ['friction', 'restriction', 'review'],
    );
    assert.equal(events[2]!.fired[0]!.signal, 'hashHitOnProfile');
    engine.evaluate(risky, NOW + 1000);
    assert.equal(events.length, 3, 'no repeat while still above');
    engine.evaluate(quiet(), NOW + 2000);
    engine.evaluate(risky, NOW + 3000);
    assert.equal(events.length, 6);
  });

  it('refuses bad thresholds and times', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as SafetyError).code;
      }
    };
    assert.equal(
      code(() => new RiskEngine(() => {}, { friction: 50, restriction: 40, review: 60 })),
      'THRESHOLDS_INVALID',
    );
    assert.equal(
      code(() => new RiskEngine(() => {}, { friction: Number.NaN, restriction: 40, review: 60 })),
      'THRESHOLDS_INVALID',
    );
    assert.equal(
      code(() => scoreActivity(quiet(), Number.NaN)),
      'SIGNAL_INPUT_INVALID',
    );
  });
});
