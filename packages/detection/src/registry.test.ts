// Bad input shared by every registered mode: another mode's payload, truncation, garbage. Runs over
// the registry, so modes merged later are covered without touching this file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatPdqHex } from '@safelight/pdq';
import { DetectionError } from './errors.js';
import type { ClientDetector, DetectionModeName, ServerEvaluator } from './mode.js';
import { detectionMode, detectionModes } from './registry.js';
import { detectionFixtures } from './test-support/fixtures.js';
import { MODE_IDS, PAYLOAD_VERSION } from './wire.js';

type Running = { client: ClientDetector; server: ServerEvaluator; close(): Promise<void> };

describe('detection registry and shared bad-input behaviour', { timeout: 120_000 }, () => {
  const running = new Map<DetectionModeName, Running>();
  const payloads = new Map<DetectionModeName, Uint8Array>();

  before(async () => {
    const f = await detectionFixtures();
    for (const [name, factory] of Object.entries(detectionModes)) {
      const mode = await factory.setup({ bank: f.bank });
      running.set(name as DetectionModeName, mode);
      // A payload every mode sends: the near-duplicate (client-match sends nothing otherwise).
      const payload = await mode.client.prepare(f.nearDuplicate);
      assert.ok(payload, `${name} sends a payload for a match`);
      payloads.set(name as DetectionModeName, payload);
    }
  });
  after(async () => {
    for (const mode of running.values()) await mode.close();
  });

  it('registers the modes by their own names and refuses unknown ones', () => {
    for (const [name, factory] of Object.entries(detectionModes)) assert.equal(factory.name, name);
    assert.ok(Object.keys(detectionModes).length >= 3);
    assert.equal(detectionMode('enclave').name, 'enclave');
    assert.throws(
      () => detectionMode('toString'),
      (e: unknown) => e instanceof DetectionError && e.code === 'DETECTION_UNKNOWN_MODE',
    );
  });

  it('every payload starts with the versioned header naming its mode', () => {
    for (const [name, payload] of payloads) {
      assert.deepEqual([...payload.subarray(0, 4)], [0x53, 0x4c, PAYLOAD_VERSION, MODE_IDS[name]], name);
    }
  });

  it("refuses another mode's payload with DETECTION_WRONG_MODE", async () => {
    const f = await detectionFixtures();
    for (const [evaluator, mode] of running) {
      for (const [sender, payload] of payloads) {
        if (sender === evaluator) continue;
        await assert.rejects(
          mode.server.evaluate(payload, f.context),
          (e: unknown) =>
            e instanceof DetectionError && e.code === 'DETECTION_WRONG_MODE' && e.message.includes(sender),
          `${sender} payload at ${evaluator}`,
        );
      }
    }
  });

  it('truncated payloads, garbage and unknown versions give typed errors that echo nothing', async () => {
    const f = await detectionFixtures();
    const hex = formatPdqHex(f.nearDuplicate.pdq);
    const garbage = new TextEncoder().encode('SL\u0001garbage-sentinel-4f1c');
    for (const [name, mode] of running) {
      const payload = payloads.get(name) as Uint8Array;
      const cuts = [0, 1, 3, 4, 5, 12, 40, payload.length >> 1, payload.length - 1];
      const bad = [
        ...cuts.map((n) => payload.slice(0, n)),
        garbage,
        Uint8Array.of(0x53, 0x4c, 9, MODE_IDS[name], 1, 2, 3),
        Uint8Array.from(payload, (b, i) => (i < 4 ? b : b ^ 0x5a)),
      ];
      for (const input of bad) {
        let error: unknown;
        try {
          await mode.server.evaluate(input, { ...f.context, messageId: `bad-${name}-${input.length}` });
        } catch (e) {
          error = e;
        }
        if (error === undefined) continue; // server-plaintext: a re-encoded image may still decode; no crash is the point
        assert.ok(error instanceof DetectionError, `${name}: ${String(error)}`);
        assert.ok(error.code.startsWith('DETECTION_'), error.code);
        assert.ok(
          !error.message.includes(hex) && !error.message.includes('garbage-sentinel'),
          `${name} echoes input`,
        );
        assert.ok(
          !error.message.includes(Buffer.from(input.subarray(4, 20)).toString('hex')) || input.length <= 4,
        );
      }
    }
  });
});
