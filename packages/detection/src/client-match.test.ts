import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { formatPdqHex } from '@safelight/pdq';
import { ClientMatchDevice, ClientMatchEvaluator, clientMatchMode } from './client-match.js';
import { DetectionError } from './errors.js';
import { commitBankSnapshot, decodeBankSnapshot, encodeBankSnapshot } from './snapshot.js';
import { detectionModeSuite } from './test-support/detection.suite.js';
import { detectionFixtures } from './test-support/fixtures.js';

detectionModeSuite(clientMatchMode);

const code = (expected: string) => (e: unknown) => e instanceof DetectionError && e.code === expected;

async function device(snapshot: Uint8Array, commitment: { root: string; treeSize: number }) {
  const key = ed25519.keygen();
  const client = await ClientMatchDevice.fromSnapshot(snapshot, commitment, { secretKey: key.secretKey });
  return { client, key };
}

describe('client-match specifics', () => {
  it('sends nothing for an unrelated image and a signed report for a match', async () => {
    const f = await detectionFixtures();
    const commitment = await commitBankSnapshot(f.bank.entries);
    const { client, key } = await device(encodeBankSnapshot(f.bank), commitment);
    for (const image of f.unrelated) assert.equal(await client.prepare(image), undefined);
    const report = await client.prepare(f.nearDuplicate);
    assert.ok(report && report.length < 300, `report is ${report?.length} bytes`);
    // The report carries no hash: the image's PDQ hex does not appear in it.
    assert.ok(!Buffer.from(report).toString('latin1').includes(formatPdqHex(f.nearDuplicate.pdq)));
    const server = new ClientMatchEvaluator(
      f.bank.bankName,
      f.bank.entries.map((e) => e.id),
      { radius: 31, qualityFloor: 50 },
      () => [key.publicKey],
    );
    const [verdict] = (await server.evaluate(report, f.context)) ?? [];
    assert.equal(verdict?.bankEntryId, 'known-drawing');
    assert.equal(verdict?.distance, f.nearDuplicateDistance);

    // Bound to its message: the same report with another message id is refused.
    await assert.rejects(
      server.evaluate(report, { ...f.context, messageId: 'msg_other' }),
      code('DETECTION_CONTEXT_MISMATCH'),
    );
    // A flipped bit anywhere in the signed part breaks the signature (or the parse).
    const flipped = Uint8Array.from(report);
    flipped[flipped.length - 98] = (flipped[flipped.length - 98] as number) ^ 1; // the distance byte
    await assert.rejects(server.evaluate(flipped, f.context), code('DETECTION_BAD_SIGNATURE'));
    // A key not registered to the account is refused.
    const stranger = new ClientMatchEvaluator(
      f.bank.bankName,
      ['known-drawing'],
      { radius: 31, qualityFloor: 50 },
      () => [ed25519.keygen().publicKey],
    );
    await assert.rejects(stranger.evaluate(report, f.context), code('DETECTION_BAD_SIGNATURE'));
    // Truncated at every length: a clear error, never a crash.
    for (let n = 0; n < report.length; n += 7) {
      await assert.rejects(
        server.evaluate(report.subarray(0, n), f.context),
        (e: unknown) => e instanceof DetectionError,
      );
    }
  });

  it('refuses a snapshot with an altered entry, an extra entry or a wrong root', async () => {
    const f = await detectionFixtures();
    const snapshot = encodeBankSnapshot(f.bank);
    const commitment = await commitBankSnapshot(f.bank.entries);
    await device(snapshot, commitment); // the honest snapshot opens

    // One bit of the last entry's hash (the flat picture, at the very end of the snapshot).
    const altered = Uint8Array.from(snapshot);
    altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 0x01;
    await assert.rejects(device(altered, commitment), code('DETECTION_SNAPSHOT_COMMITMENT_MISMATCH'));

    // A hash removed from the list (a server trying to exempt an image for one user).
    const fewer = encodeBankSnapshot({ ...f.bank, entries: f.bank.entries.slice(1) });
    await assert.rejects(device(fewer, commitment), code('DETECTION_SNAPSHOT_COMMITMENT_MISMATCH'));

    // A wrong root.
    await assert.rejects(
      device(snapshot, {
        ...commitment,
        root: commitment.root.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      }),
      code('DETECTION_SNAPSHOT_COMMITMENT_MISMATCH'),
    );
    // And the setup refuses a bank whose published commitment does not match.
    await assert.rejects(
      clientMatchMode.setup({ bank: { ...f.bank, commitment: '00'.repeat(32) } }),
      code('DETECTION_SNAPSHOT_COMMITMENT_MISMATCH'),
    );
    // Garbage and truncation are malformed, not a crash.
    await assert.rejects(device(snapshot.subarray(0, 100), commitment), code('DETECTION_SNAPSHOT_MALFORMED'));
    assert.throws(() => decodeBankSnapshot(new Uint8Array(3)), code('DETECTION_SNAPSHOT_MALFORMED'));
    // A count the bytes cannot hold is refused before anything is allocated for it.
    const huge = Uint8Array.from(encodeBankSnapshot({ bankName: 'B', entries: [] }));
    new DataView(huge.buffer).setUint32(huge.length - 4, 0xffffffff);
    assert.throws(() => decodeBankSnapshot(huge), code('DETECTION_SNAPSHOT_MALFORMED'));
  });

  it('the snapshot round-trips ids and hashes', async () => {
    const f = await detectionFixtures();
    const decoded = decodeBankSnapshot(encodeBankSnapshot(f.bank));
    assert.equal(decoded.entries.length, f.bank.entries.length);
    const last = decoded.entries.at(-1);
    assert.equal(last?.id, 'flat-picture');
    assert.equal(formatPdqHex(last?.pdq as Uint32Array), formatPdqHex(f.lowQuality.pdq));
  });
});
