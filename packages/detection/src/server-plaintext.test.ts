import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionError } from './errors.js';
import { serverPlaintextMode } from './server-plaintext.js';
import { detectionModeSuite } from './test-support/detection.suite.js';
import { detectionFixtures } from './test-support/fixtures.js';
import { payloadHeader, withHeader } from './wire.js';

detectionModeSuite(serverPlaintextMode);

describe('server-plaintext specifics', () => {
  it('sends the image itself behind the header, and the server reports entry, distance and hash', async () => {
    const f = await detectionFixtures();
    const { client, server, close } = await serverPlaintextMode.setup({ bank: f.bank });
    const payload = await client.prepare(f.nearDuplicate);
    assert.ok(payload);
    assert.deepEqual(payload.subarray(0, 4), payloadHeader('server-plaintext'));
    assert.deepEqual(Buffer.from(payload.subarray(4)), Buffer.from(f.nearDuplicate.bytes as Uint8Array));
    const [verdict] = (await server.evaluate(payload, f.context)) ?? [];
    assert.equal(verdict?.distance, f.nearDuplicateDistance);
    assert.equal(verdict?.bankName, 'TEST_KNOWN_IMAGES');
    await close();
  });

  it('refuses bytes that are not an image without echoing them', async () => {
    const f = await detectionFixtures();
    const { server } = await serverPlaintextMode.setup({ bank: f.bank });
    const secret = 'garbage-bytes-0123456789abcdef';
    await assert.rejects(
      server.evaluate(withHeader('server-plaintext', new TextEncoder().encode(secret)), f.context),
      (e: unknown) =>
        e instanceof DetectionError &&
        e.code === 'DETECTION_MALFORMED_PAYLOAD' &&
        !e.message.includes(secret) &&
        !e.message.includes('6761726261'),
    );
  });

  it('the radius option is honoured: radius 0 misses the near-duplicate', async () => {
    const f = await detectionFixtures();
    const { client, server } = await serverPlaintextMode.setup({ bank: f.bank, radius: 0 });
    const payload = await client.prepare(f.nearDuplicate);
    assert.equal(await server.evaluate(payload as Uint8Array, f.context), undefined);
    await assert.rejects(serverPlaintextMode.setup({ bank: f.bank, radius: -1 }), /DETECTION_INVALID_OPTION/);
  });
});
