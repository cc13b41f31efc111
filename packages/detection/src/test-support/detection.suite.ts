// The one acceptance suite every detection mode runs (issue: "one shared test suite runs against
// all five modes"). A mode's test file calls detectionModeSuite(factory).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClientDetector, DetectionModeFactory, ServerEvaluator } from '../mode.js';
import { type DetectionFixtures, detectionFixtures } from './fixtures.js';

export function detectionModeSuite(
  factory: DetectionModeFactory,
  options: { timeoutMs?: number } = {},
): void {
  describe(`detection mode ${factory.name}: shared acceptance suite`, {
    timeout: options.timeoutMs ?? 120_000,
  }, () => {
    let fixtures: DetectionFixtures;
    let client: ClientDetector;
    let server: ServerEvaluator;
    let close: () => Promise<void>;

    before(async () => {
      fixtures = await detectionFixtures();
      ({ client, server, close } = await factory.setup({ bank: fixtures.bank }));
    });
    after(async () => {
      await close?.();
    });

    const verdictsFor = async (signals: DetectionFixtures['nearDuplicate']) => {
      const payload = await client.prepare(signals);
      if (payload === undefined) return undefined;
      return server.evaluate(payload, signals.context);
    };

    it('states its leakage for server, client and subversion', () => {
      for (const key of ['server', 'client', 'subversion'] as const) {
        assert.ok(factory.leakage[key].length > 20, `leakage.${key} is stated`);
      }
    });

    it('detects a near-duplicate (halved, cropped 1%, brightness +5%, JPEG q70) of a bank image', async () => {
      const verdicts = await verdictsFor(fixtures.nearDuplicate);
      assert.ok(
        verdicts && verdicts.length > 0,
        `near-duplicate at distance ${fixtures.nearDuplicateDistance} not detected`,
      );
      const [verdict] = verdicts;
      assert.equal(verdict?.mode, factory.name);
      assert.deepEqual(verdict?.context, fixtures.context);
      if (verdict?.bankEntryId !== undefined) assert.equal(verdict.bankEntryId, fixtures.knownEntryId);
    });

    it('does not flag unrelated images', async () => {
      for (const image of fixtures.unrelated) {
        const verdicts = await verdictsFor(image);
        assert.ok(verdicts === undefined || verdicts.length === 0, 'an unrelated image was flagged');
      }
    });

    it('ignores an image below the quality floor even though its hash is in the bank', async () => {
      assert.ok(fixtures.lowQuality.quality < 50, 'fixture is below the floor');
      const verdicts = await verdictsFor(fixtures.lowQuality);
      assert.ok(verdicts === undefined || verdicts.length === 0, 'a low-quality image was matched');
    });
  });
}
