import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePdqHex } from '@safelight/pdq';
import { call, sqliteStorage, startTestServer, TestDevice, uniqueHandle } from './server.test-support.js';

/**
 * The web app's server side (routes/web.ts, routes/device-detection.ts) through a real server:
 * the single-page app and its assets under a same-origin CSP, client-match provisioning, and the
 * directory look-up by account id the messenger shows handles with.
 */
describe('web app serving and device provisioning', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'safelight-web-root-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
    server = await startTestServer(await sqliteStorage.make(), {
      web: { root },
      detection: {
        mode: 'client-match',
        bank: { bankName: 'WEB_TEST', entries: [{ id: 'one', pdq: parsePdqHex('a'.repeat(64)) }] },
      },
    });
  });
  after(() => server?.server.close());

  it('serves index.html for the app routes with a CSP that allows only this origin', async () => {
    for (const path of ['/', '/console', '/console/cases/case_x', '/app/anything']) {
      const response = await fetch(server.url + path);
      assert.equal(response.status, 200, path);
      assert.match(await response.text(), /<div id="root">/, path);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /connect-src 'self'/);
      assert.doesNotMatch(csp, /https?:/, 'no other host is allowed');
      assert.equal(response.headers.get('cache-control'), 'no-cache');
    }
  });

  it('serves hashed assets as immutable and answers 404 for a missing file or path traversal', async () => {
    const asset = await fetch(`${server.url}/assets/app-1234.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${server.url}/assets/missing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/assets/..%2f..%2fetc%2fpasswd`)).status, 404);
    // The API is unaffected by the app's routes.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('provisions the client-match snapshot and its commitment to devices', async () => {
    const reply = await call(server.url, 'GET', '/v1/detection/device');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.mode, 'client-match');
    assert.equal(reply.body.bankName, 'WEB_TEST');
    assert.equal(reply.body.radius, 31);
    assert.equal(reply.body.commitment.treeSize, 1);
    assert.match(reply.body.commitment.root, /^[0-9a-f]{64}$/);
    assert.ok(reply.body.snapshot.length > 32);
  });

  it('looks up a handle by account id for signed-in devices only; unknown ids are 404', async () => {
    const device = new TestDevice(server.url, uniqueHandle('webdir'));
    await device.register();
    const mine = await call(server.url, 'GET', `/v1/accounts/${device.accountId}`, undefined, device.token);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, { accountId: device.accountId, handle: device.handle });
    const anonymous = await call(server.url, 'GET', `/v1/accounts/${device.accountId}`);
    assert.equal(anonymous.status, 401);
    const unknown = await call(
      server.url,
      'GET',
      `/v1/accounts/acct_${'A'.repeat(22)}`,
      undefined,
      device.token,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'ACCOUNT_NOT_FOUND');
    const malformed = await call(server.url, 'GET', '/v1/accounts/not-an-id', undefined, device.token);
    assert.equal(malformed.status, 400);
  });

  it('answers { mode: null } when no detection mode is provisioned, and refuses a web root without index.html', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'safelight-web-empty-'));
    await assert.rejects(
      startTestServer(await sqliteStorage.make(), { web: { root: empty } }),
      /has no index\.html/,
    );
    const plain = await startTestServer(await sqliteStorage.make());
    try {
      assert.deepEqual((await call(plain.url, 'GET', '/v1/detection/device')).body, { mode: null });
    } finally {
      await plain.server.close();
    }
  });
});
