// The moderator console in a real browser against the real delivery server: a case made through the
// Node SDK (an E2EE message with an image, reported with context) is signed in to, queued, opened
// with its frank verified, its image blurred until a reveal the audit chain records, decided, and
// the transparency figures shown. No request may leave the server's origin; axe finds nothing
// serious. Needs the built web app (apps/web/dist: `npm run build`, which `npm test` runs first).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SafelightClient } from '@safelight/client';
import { MemoryStateStore } from '@safelight/e2ee';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import WebSocket from 'ws';
import { clock, parseMatchDetail, slaClock } from '../../apps/web/src/console/format.ts';
import {
  isolatedContext,
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  watchErrors,
} from '../support/browser.js';
import { tempDir } from '../support/image-fixtures.js';
import { type RunningServer, startTestServer } from '../support/server.js';

// Browser globals used inside page.evaluate callbacks, which run in chromium. This file is
// type-checked with Node's lib (no DOM), so they are declared here, as narrowly as they are used.
interface PageImage {
  readonly naturalWidth: number;
  readonly naturalHeight: number;
  decode(): Promise<void>;
}
interface PageElement {
  readonly tagName: string;
  readonly className: string;
  getBoundingClientRect(): { right: number };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: PageImage, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const document: {
  createElement(tag: 'canvas'): PageCanvas;
  readonly documentElement: { readonly scrollWidth: number };
  querySelectorAll(selector: string): Iterable<PageElement>;
};
declare const sessionStorage: Record<string, string>;
declare const localStorage: Record<string, string>;
declare function getComputedStyle(element: unknown): { readonly filter: string };

const WEB_ROOT = join(new URL('../..', import.meta.url).pathname, 'apps', 'web', 'dist');
const admin = { id: 'admin-console-1', role: 'admin', token: 'staff-token-console-admin-0001' } as const;

/** A small benign PNG with colour in it, so "greyscale" is something the test can tell apart. */
async function colourPng(): Promise<Buffer> {
  const width = 48;
  const height = 32;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = x < width / 2 ? 220 : 30;
      raw[i + 1] = y < height / 2 ? 60 : 200;
      raw[i + 2] = 90;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The image's natural size and pixels as drawn unfiltered on a canvas (blob: URLs are same-origin). */
function pixels(image: Locator) {
  return image.evaluate(async (element) => {
    const img = element as unknown as PageImage;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext('2d');
    if (!g) throw new Error('no 2d context');
    g.drawImage(img, 0, 0);
    const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let grey = true;
    for (let i = 0; i < data.length; i += 4)
      if (data[i] !== data[i + 1] || data[i + 1] !== data[i + 2]) grey = false;
    return {
      width: img.naturalWidth,
      height: img.naturalHeight,
      grey,
      topLeft: [data[0], data[1], data[2]],
    };
  });
}

describe('moderator console (chromium, real server)', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let alice: SafelightClient;
  let bob: SafelightClient;
  let caseId: string;
  let reportId: string;
  let png: Buffer;
  const foreign: string[] = [];
  const errors: string[] = [];

  const api = async (path: string) => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Staff ${admin.token}` },
    });
    assert.equal(response.status, 200, `${path}: ${response.status}`);
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted field by field.
    return (await response.json()) as any;
  };

  before(async () => {
    assert.ok(
      existsSync(join(WEB_ROOT, 'index.html')),
      'apps/web/dist is missing: run `npm run build` (npm test builds first)',
    );
    const dataDir = await tempDir('safelight-console-');
    server = await startTestServer({
      dataDir,
      moderation: { staff: [admin], sweepIntervalMs: 0 },
      web: { root: WEB_ROOT },
    });
    const register = (handle: string) =>
      SafelightClient.register({ serverUrl: server.url, handle, store: new MemoryStateStore(), WebSocket });
    alice = await register('console_alice');
    bob = await register('console_bob');
    const conversation = await alice.createConversation([bob.accountId]);
    await bob.sync();
    png = await colourPng();
    await alice.sendMessage(conversation, { text: 'hi, which school do you go to?' });
    await alice.sendMessage(conversation, {
      text: 'here is a picture, send one back and do not tell your parents',
      attachments: [{ bytes: png, mediaType: 'image/png' }],
    });
    await bob.sync();
    const reported = bob.history(conversation).at(-1);
    assert.ok(reported?.attachments[0], 'bob received the image');
    const receipt = await bob.report(
      bob.prepareReport(conversation, [reported.messageId], {
        context: 1,
        category: 'Online Enticement of Children for Sexual Acts',
        comment: 'asked me to keep it secret',
      }),
    );
    assert.deepEqual(
      receipt.messages.map((m) => m.verified),
      [true, true],
    );
    caseId = receipt.caseId;
    reportId = receipt.reportId;
    // A second report of the first message with words alice never wrote: kept, marked unverified.
    const first = bob.history(conversation)[0];
    assert.ok(first);
    const genuine = bob.prepareReport(conversation, [first.messageId]);
    const forged = await bob.report({
      ...genuine,
      messages: genuine.messages.map((m) => ({
        ...m,
        plaintext: Buffer.from('words alice never wrote').toString('base64url'),
      })),
    });
    assert.equal(forged.caseId, caseId);
    assert.equal(forged.messages[0]?.verified, false);

    browser = await launchBrowser();
    context = await isolatedContext(browser, server.url, foreign);
    page = await context.newPage();
    watchErrors(page, errors);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.close();
  });

  it('refuses a wrong token with the server code, then signs in; the token lives in sessionStorage only', async () => {
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Staff token').fill('not-a-staff-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /UNAUTHENTICATED/);

    await page.getByLabel('Staff token').fill(admin.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    const storage = await page.evaluate(() => ({
      session: JSON.stringify({ ...sessionStorage }),
      local: JSON.stringify({ ...localStorage }),
    }));
    assert.ok(storage.session.includes(admin.token), 'the token is in sessionStorage');
    assert.ok(!storage.local.includes(admin.token), 'the token is never in localStorage');
    for (const name of ['Queue', 'Audit log', 'Transparency'])
      assert.equal(await page.getByRole('navigation').getByRole('link', { name }).count(), 1, name);
    assert.match((await page.locator('.session-timer').textContent()) ?? '', /^Session \d\d:\d\d:\d\d$/);
    assert.equal(await page.getByRole('checkbox', { name: 'Greyscale media' }).isChecked(), true);
  });

  it('queues the case with its priority, category, reports count and a live SLA clock', async () => {
    const open = page.getByRole('button', { name: `Open case ${caseId}` });
    await open.waitFor();
    const row = page.locator('tr', { has: open });
    const text = (await row.textContent()) ?? '';
    assert.match(text, /P1/);
    assert.match(text, /Online Enticement of Children for Sexual Acts/);
    assert.match(text, new RegExp(alice.accountId));
    assert.match(text, /due in 3h 5\dm/, 'a P1 case is due within 4 hours');
    assert.equal(await row.locator('td').nth(4).textContent(), '2', 'reports count');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'console-queue');
  });

  it('opens the case: frank verified, context, image blurred and greyscale until revealed (logged)', async () => {
    await page.getByRole('button', { name: `Open case ${caseId}` }).click();
    await page.getByRole('heading', { name: `Case ${caseId}` }).waitFor();
    assert.ok(page.url().endsWith(`/console/cases/${caseId}`));
    const badges = page.locator('.badge.verified');
    await badges.first().waitFor();
    assert.deepEqual(await badges.allTextContents(), ['Frank verified', 'Frank verified']);
    assert.deepEqual(await page.locator('.badge.unverified').allTextContents(), [
      'Frank not verified (tag-mismatch)',
    ]);
    const body = (await page.locator('main').textContent()) ?? '';
    assert.ok(body.includes('asked me to keep it secret'), "the reporter's comment");
    assert.ok(body.includes('here is a picture, send one back and do not tell your parents'));
    assert.ok(body.includes('hi, which school do you go to?'), 'the context message');
    assert.ok(body.includes('words alice never wrote'), 'unverified parts are shown, marked');

    const figure = page.locator('figure.media');
    const preview = figure.locator('img');
    await preview.waitFor();
    assert.equal(await figure.getAttribute('data-state'), 'blurred');
    const filter = await preview.evaluate((img) => getComputedStyle(img).filter);
    assert.match(filter, /blur\(\d+px\)/);
    assert.match(filter, /grayscale\(1\)/);
    // What is on screen is the server's derivative (resized, blurred, greyscale), not the original.
    const before = await pixels(preview);
    assert.notEqual(before.width, 48, 'the preview is not the original image');
    assert.ok(before.grey, 'the preview pixels are grey');
    const revealsBefore = (await api('/v1/mod/audit')).entries.filter(
      (e: { action: string }) => e.action === 'media.reveal',
    ).length;
    assert.equal(revealsBefore, 0, 'opening the case revealed nothing');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'console-case');

    await page.getByRole('button', { name: 'Reveal image' }).click();
    await page.locator('figure.media[data-state="revealed"] img').waitFor();
    const revealed = page.locator('figure.media img');
    const after = await pixels(revealed);
    assert.equal(after.width, 48);
    assert.equal(after.height, 32);
    // Top-left quarter of alice's PNG is (220, 60, 90): the revealed image is exactly what she sent.
    assert.deepEqual(after.topLeft, [220, 60, 90]);
    assert.equal(after.grey, false);
    const revealedFilter = await revealed.evaluate((img) => getComputedStyle(img).filter);
    assert.doesNotMatch(revealedFilter, /blur/);
    assert.match(revealedFilter, /grayscale\(1\)/, 'greyscale stays on by default');
    await page.getByRole('checkbox', { name: 'Greyscale media' }).uncheck();
    assert.equal(await revealed.evaluate((img) => getComputedStyle(img).filter), 'none');
    await page.getByRole('checkbox', { name: 'Greyscale media' }).check();

    const reveals = (await api('/v1/mod/audit')).entries.filter(
      (e: { action: string }) => e.action === 'media.reveal',
    );
    assert.equal(reveals.length, 1);
    assert.equal(reveals[0].caseId, caseId);
    assert.equal(reveals[0].actorId, admin.id);
    assert.deepEqual(reveals[0].details, { reportId, file: 0 });
  });

  it('shows server errors with their code, then records a decision that lands in the history', async () => {
    const reason = page.getByLabel('Reason');
    await page.getByLabel('Decision').selectOption('report-to-ncmec');
    await reason.fill('enticement: asks for images and secrecy');
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByRole('status').filter({ hasText: 'Decision recorded: Report to NCMEC.' }).waitFor();
    const state = (await api(`/v1/mod/cases/${caseId}`)).state;
    assert.equal(state.decision, 'report-to-ncmec');
    assert.equal(state.status, 'decided');
    const history = page.locator('table.history');
    await history.getByText('enticement: asks for images and secrecy').waitFor();

    // No CyberTipline is configured on this server: filing is refused, code and message shown.
    await page.getByRole('button', { name: 'File with NCMEC' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'VALIDATION_FAILED' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /NCMEC reporting is not configured/);
  });

  it('the audit log view lists the reveal and the decision with a verified chain', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    assert.ok(page.url().endsWith('/console/audit'));
    const status = page.locator('.chain-status');
    await status.waitFor();
    assert.match((await status.textContent()) ?? '', /^Chain verified: \d+ entries/);
    const table = page.locator('table.audit');
    const revealRow = table.locator('tr', { hasText: 'media.reveal' });
    assert.equal(await revealRow.count(), 1);
    const revealText = (await revealRow.textContent()) ?? '';
    assert.ok(revealText.includes(admin.id));
    assert.ok(revealText.includes(caseId));
    const entries = (await api('/v1/mod/audit')).entries as Array<{ action: string; hash: string }>;
    const entry = entries.find((e) => e.action === 'media.reveal');
    assert.ok(entry && revealText.includes(entry.hash.slice(0, 12)), 'the chain hash prefix is shown');
    assert.equal(await table.locator('tr', { hasText: 'case.decide' }).count(), 1);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'console-audit');
  });

  it('transparency: charts with text alternatives and a CSV download', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Transparency' }).click();
    await page.getByRole('heading', { name: 'Transparency' }).waitFor();
    const charts = page.getByRole('img');
    await charts.first().waitFor();
    assert.ok((await charts.count()) >= 3);
    const decisions = page.getByRole('img', { name: /Decisions/ });
    assert.equal(await decisions.count(), 1);
    const link = page.getByRole('link', { name: 'Download CSV' });
    assert.ok(((await link.getAttribute('href')) ?? '').startsWith('blob:'));
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), /^safelight-transparency-.*\.csv$/);
    const csv = await readFile((await download.path()) as string, 'utf8');
    const served = await (
      await fetch(`${server.url}/v1/mod/transparency?format=csv`, {
        headers: { authorization: `Staff ${admin.token}` },
      })
    ).text();
    assert.ok(csv.length > 0);
    assert.equal(csv, served, "the download is the server's CSV");
    assert.match(csv, /^decisions,report-to-ncmec,/m);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'console-transparency');
  });

  it('works at phone width and signs out (the token leaves sessionStorage)', async () => {
    const phone = await isolatedContext(browser, server.url, foreign, { width: 375, height: 812 });
    try {
      const small = await phone.newPage();
      watchErrors(small, errors);
      await small.goto(`${server.url}/console`);
      await small.getByLabel('Staff token').fill(admin.token);
      await small.getByRole('button', { name: 'Sign in' }).click();
      await small.getByRole('heading', { name: 'Queue' }).waitFor();
      await small.getByLabel('Status').selectOption('decided');
      await small.getByRole('button', { name: `Open case ${caseId}` }).waitFor();
      const overflow = await small.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        // What sticks out, for the failure message.
        wide: [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 376)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
      }));
      assert.ok(overflow.width <= 375, `the page scrolls sideways at 375px: ${JSON.stringify(overflow)}`);
      assert.deepEqual(await seriousA11yViolations(small), []);
      await screenshot(small, 'console-queue-375');
      await small.getByRole('button', { name: 'Sign out' }).click();
      await small.getByLabel('Staff token').waitFor();
      assert.equal(
        await small.evaluate(() => JSON.stringify({ ...sessionStorage }).includes('staff-token')),
        false,
      );
    } finally {
      await phone.close();
    }
  });

  it('shows the session time and a gentle break reminder after 50 minutes', async () => {
    const timed = await isolatedContext(browser, server.url, foreign);
    try {
      await timed.clock.install();
      const tab = await timed.newPage();
      watchErrors(tab, errors);
      await tab.goto(`${server.url}/console`);
      await tab.getByLabel('Staff token').fill(admin.token);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('heading', { name: 'Queue' }).waitFor();
      const reminder = tab.getByRole('status').filter({ hasText: 'break' });
      await tab.clock.fastForward('49:00');
      assert.equal(await reminder.count(), 0, 'no reminder before 50 minutes');
      await tab.clock.fastForward('01:05');
      await reminder.waitFor();
      assert.match((await tab.locator('.session-timer').textContent()) ?? '', /^Session 00:50:\d\d$/);
      await tab.getByRole('button', { name: 'Remind me later' }).click();
      assert.equal(await reminder.count(), 0, 'dismissed');
    } finally {
      await timed.close();
    }
  });

  it('made no request to another origin and logged no page errors', () => {
    assert.deepEqual(foreign, []);
    // The refusals this test provoked on purpose (wrong token, NCMEC not configured) are logged by
    // chromium as failed loads; anything else is a fault.
    const provoked = /Failed to load resource: the server responded with a status of (401|400)/;
    assert.deepEqual(
      errors.filter((e) => !provoked.test(e)),
      [],
    );
  });
});

describe('console formatters', () => {
  it('SLA clocks read "due in" and "overdue by" with the two largest units', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.deepEqual(slaClock(now + (3 * 60 + 12) * 60_000 + 30_000, now), {
      text: 'due in 3h 12m',
      overdue: false,
    });
    assert.deepEqual(slaClock(now - 5 * 60_000, now), { text: 'overdue by 5m', overdue: true });
    assert.deepEqual(slaClock(now + 26 * 3_600_000, now), { text: 'due in 1d 2h', overdue: false });
    assert.equal(clock((12 * 60 + 34) * 1000), '00:12:34');
  });

  it("reads bank, entry and distance from the server's match details", () => {
    assert.deepEqual(
      parseMatchDetail('server-plaintext: conv/msg123 matched test-bank/entry-7 at distance 12'),
      {
        mode: 'server-plaintext',
        bankName: 'test-bank',
        entry: 'entry-7',
        distance: 12,
      },
    );
    assert.deepEqual(parseMatchDetail('profile avatar: image matched ncmec-hashes/abc at distance 0'), {
      mode: 'profile avatar',
      bankName: 'ncmec-hashes',
      entry: 'abc',
      distance: 0,
    });
    assert.deepEqual(parseMatchDetail('psi: conv/msg123'), { mode: 'psi' });
  });
});
