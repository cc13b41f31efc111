import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatPdqHex } from '@safelight/pdq';
import { DetectionError } from '../errors.js';
import { commitBankSnapshot } from '../snapshot.js';
import { detectionModeSuite } from '../test-support/detection.suite.js';
import { type DetectionFixtures, detectionFixtures } from '../test-support/fixtures.js';
import { withHeader } from '../wire.js';
import { SoftwareAttestationPlatform, SoftwareAttestationVerifier } from './attestation.js';
import { EnclaveClient, EnclaveEvaluator, EnclaveHost, enclaveMode, measureMatcher } from './enclave.js';

detectionModeSuite(enclaveMode);

const code = (expected: string) => (e: unknown) => e instanceof DetectionError && e.code === expected;
const parameters = { radius: 31, qualityFloor: 50 };

describe('enclave specifics', () => {
  let f: DetectionFixtures;
  let platform: SoftwareAttestationPlatform;
  let host: EnclaveHost;
  let verifier: SoftwareAttestationVerifier;
  let allowed: string[];

  before(async () => {
    f = await detectionFixtures();
    platform = new SoftwareAttestationPlatform();
    host = await EnclaveHost.launch({ bank: f.bank, parameters, platform });
    verifier = new SoftwareAttestationVerifier([platform.publicKey]);
    allowed = [measureMatcher(parameters)];
  });
  after(() => host.close());

  const client = () =>
    EnclaveClient.fromAttestation(host.attestation, { verifier, allowedMeasurements: allowed });
  const withMessage = (messageId: string) => ({ ...f.context, messageId });

  it('attests the measurement of the published matcher code and the bank it loaded', async () => {
    const c = await client();
    assert.equal(c.attested.measurement, measureMatcher(parameters));
    assert.equal(c.attested.bankRoot, (await commitBankSnapshot(f.bank.entries)).root);
    assert.equal(c.attested.provider, 'software');
    // Another configuration is another measurement.
    assert.notEqual(measureMatcher({ radius: 40, qualityFloor: 50 }), measureMatcher(parameters));
    // The client can pin the bank root too.
    await assert.rejects(
      EnclaveClient.fromAttestation(host.attestation, {
        verifier,
        allowedMeasurements: allowed,
        bankRoot: 'ab'.repeat(32),
      }),
      code('DETECTION_SNAPSHOT_COMMITMENT_MISMATCH'),
    );
  });

  it('refuses a matcher whose measurement is not allowed', async () => {
    await assert.rejects(
      EnclaveClient.fromAttestation(host.attestation, {
        verifier,
        allowedMeasurements: [measureMatcher({ radius: 40, qualityFloor: 50 })],
      }),
      code('DETECTION_MEASUREMENT_NOT_ALLOWED'),
    );
    await assert.rejects(
      EnclaveClient.fromAttestation(host.attestation, { verifier, allowedMeasurements: [] }),
      code('DETECTION_INVALID_OPTION'),
    );
  });

  it('refuses a tampered attestation: any flipped bit, another platform key, truncation', async () => {
    // Flipping the measurement, the public key, the bank root or the signature all break it.
    for (const offset of [5, 40, 80, 120, host.attestation.length - 1]) {
      const tampered = Uint8Array.from(host.attestation);
      tampered[offset] = (tampered[offset] as number) ^ 0x01;
      await assert.rejects(
        EnclaveClient.fromAttestation(tampered, { verifier, allowedMeasurements: allowed }),
        code('DETECTION_ATTESTATION_BAD_SIGNATURE'),
        `offset ${offset}`,
      );
    }
    // A document signed by a platform key the client does not trust.
    const rogue = new SoftwareAttestationPlatform();
    const forged = rogue.attest({
      measurement: allowed[0] as string,
      publicKey: new Uint8Array(32).fill(9),
      bankRoot: '00'.repeat(32),
      bankTreeSize: 1,
    });
    await assert.rejects(
      EnclaveClient.fromAttestation(forged, { verifier, allowedMeasurements: allowed }),
      code('DETECTION_ATTESTATION_BAD_SIGNATURE'),
    );
    await assert.rejects(
      EnclaveClient.fromAttestation(host.attestation.subarray(0, 100), {
        verifier,
        allowedMeasurements: allowed,
      }),
      code('DETECTION_ATTESTATION_MALFORMED'),
    );
  });

  it('the payload carries neither hash nor context in the clear', async () => {
    const payload = await (await client()).prepare({ ...f.nearDuplicate, context: withMessage('msg_clear') });
    const text = Buffer.from(payload).toString('latin1');
    assert.ok(!text.includes('msg_clear') && !text.includes('acct_test'));
    assert.ok(!Buffer.from(payload).toString('hex').includes(formatPdqHex(f.nearDuplicate.pdq).slice(0, 16)));
  });

  it('refuses a payload sealed to another matcher key', async () => {
    const other = await EnclaveHost.launch({ bank: f.bank, parameters, platform });
    try {
      const otherClient = await EnclaveClient.fromAttestation(other.attestation, {
        verifier,
        allowedMeasurements: allowed,
      });
      const payload = await otherClient.prepare({
        ...f.nearDuplicate,
        context: withMessage('msg_other_key'),
      });
      const server = new EnclaveEvaluator(host, f.bank.bankName);
      await assert.rejects(
        server.evaluate(payload, withMessage('msg_other_key')),
        code('DETECTION_WRONG_KEY'),
      );
      // The same payload does open at the matcher it was sealed to.
      const verdicts = await new EnclaveEvaluator(other, f.bank.bankName).evaluate(
        payload,
        withMessage('msg_other_key'),
      );
      assert.equal(verdicts?.[0]?.bankEntryId, 'known-drawing');
    } finally {
      await other.close();
    }
  });

  it('truncated or tampered ciphertext is a clear error, and the matcher keeps working', async () => {
    const server = new EnclaveEvaluator(host, f.bank.bankName);
    const c = await client();
    const context = withMessage('msg_truncated');
    const payload = await c.prepare({ ...f.nearDuplicate, context });
    for (const n of [0, 3, 4, 20, 44, 60, payload.length - 17, payload.length - 1]) {
      await assert.rejects(
        server.evaluate(payload.subarray(0, n), context),
        (e: unknown) =>
          e instanceof DetectionError &&
          ['DETECTION_MALFORMED_PAYLOAD', 'DETECTION_DECRYPT_FAILED'].includes(e.code),
        `truncated to ${n}`,
      );
    }
    const flipped = Uint8Array.from(payload);
    flipped[payload.length - 5] = (flipped[payload.length - 5] as number) ^ 0x80;
    await assert.rejects(server.evaluate(flipped, context), code('DETECTION_DECRYPT_FAILED'));
    // Failed attempts do not burn the message: the intact payload still evaluates.
    assert.equal((await server.evaluate(payload, context))?.[0]?.bankEntryId, 'known-drawing');
  });

  it('rejects a replayed payload (same payload, same context, twice) and a payload delivered with another message context', async () => {
    const server = new EnclaveEvaluator(host, f.bank.bankName);
    const c = await client();
    const context = withMessage('msg_replay');
    const payload = await c.prepare({ ...f.nearDuplicate, context });
    await assert.rejects(
      server.evaluate(payload, withMessage('msg_elsewhere')),
      code('DETECTION_CONTEXT_MISMATCH'),
    );
    assert.equal((await server.evaluate(payload, context))?.length, 1);
    await assert.rejects(server.evaluate(payload, context), code('DETECTION_REPLAY'));
    // Replayed under another context it is still refused (context check first, then replay).
    await assert.rejects(
      server.evaluate(payload, withMessage('msg_elsewhere')),
      code('DETECTION_CONTEXT_MISMATCH'),
    );
    // A fresh seal for the same message (a second attachment) is not a replay.
    const again = await c.prepare({ ...f.nearDuplicate, context });
    assert.equal((await server.evaluate(again, context))?.length, 1);
    await assert.rejects(server.evaluate(again, context), code('DETECTION_REPLAY'));
  });

  it('refuses payloads of other modes before they reach the matcher', async () => {
    const server = new EnclaveEvaluator(host, f.bank.bankName);
    await assert.rejects(
      server.evaluate(withHeader('client-match', new Uint8Array(80)), withMessage('msg_mode')),
      code('DETECTION_WRONG_MODE'),
    );
  });

  it('a stopped matcher gives DETECTION_ENCLAVE_UNAVAILABLE, not a hang', async () => {
    const doomed = await EnclaveHost.launch({ bank: f.bank, parameters, platform });
    const c = await EnclaveClient.fromAttestation(doomed.attestation, {
      verifier,
      allowedMeasurements: allowed,
    });
    const context = withMessage('msg_doomed');
    const payload = await c.prepare({ ...f.nearDuplicate, context });
    await doomed.close();
    await assert.rejects(
      new EnclaveEvaluator(doomed, 'x').evaluate(payload, context),
      code('DETECTION_ENCLAVE_UNAVAILABLE'),
    );
  });
});
