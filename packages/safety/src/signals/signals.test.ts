import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SafetyError } from '../errors.js';
import { type AccountActivity, RiskEngine, type RiskEvent, scoreActivity } from './index.js';

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
