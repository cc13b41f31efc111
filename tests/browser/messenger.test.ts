// The web messenger end to end in a real browser (Debian chromium, headless): three people sign
// up in their own browser contexts (each its own IndexedDB device key), become contacts, exchange
// text and images end to end encrypted; a 14-year-old's context shows an image from a group member
// who is not her contact blurred; the same image is in the platform's bank, so the sender's
// browser reports the client-match; she reports the message with context; and a moderator's
// context reviews the case (tests/browser/console.test.ts covers the console itself in depth).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashImageBytes } from '@safelight/media';
import { parsePdqHex } from '@safelight/pdq';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { drawing } from '../../packages/detection/src/test-support/fixtures.js';
import {
  isolatedContext,
  launchBrowser,
  screenshot,
  seriousA11yViolations,
  watchErrors,
} from '../support/browser.ts';
import { tempDir } from '../support/image-fixtures.ts';
import { moderationQueue, type RunningServer, startTestServer } from '../support/server.ts';
import { assertWebBuilt, bornYearsAgo, signUpInBrowser, WEB_ROOT } from './web-support.ts';

const staff = { id: 'mod-web', role: 'senior-moderator' as const, token: 'web-test-staff-token-0123456789' };
/** Reads the audit log (moderators may not; auditors may). */
const auditor = { id: 'audit-web', role: 'auditor' as const, token: 'web-test-auditor-token-0123456789' };

describe('web messenger in chromium', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let dataDir: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const foreign: string[] = [];
  const errors: string[] = [];
  let known: Buffer;
  let unrelated: Buffer;
  const pages: Record<'alice' | 'bob' | 'mia', Page> = {} as never;
  const suffix = Date.now().toString(36).slice(-5);
  const handle = (name: string) => `${name}_${suffix}`;

  before(async () => {
    assertWebBuilt();
    dataDir = await tempDir('safelight-web-');
    known = await drawing(11);
    unrelated = await drawing(12);
    const knownHash = await hashImageBytes(known);
    server = await startTestServer({
      dataDir,
      web: { root: WEB_ROOT },
      moderation: { staff: [staff, auditor], sweepIntervalMs: 0 },
      // One report from a minor (about 15 points) puts its subject over the friction line here.
      risk: { thresholds: { friction: 10, restriction: 45, review: 65 } },
      detection: {
        mode: 'client-match',
        bank: {
          bankName: 'TEST_KNOWN_IMAGES',
          entries: [
            { id: 'known-drawing', pdq: parsePdqHex(knownHash.pdq) },
            { id: 'other-entry', pdq: parsePdqHex('f'.repeat(64)) },
          ],
        },
      },
    });
    browser = await launchBrowser();
    for (const name of ['alice', 'bob', 'mia'] as const) {
      const context = await isolatedContext(browser, server.url, foreign);
      contexts.push(context);
      const page = await context.newPage();
      watchErrors(page, errors);
      pages[name] = page;
    }
  });

  after(async () => {
    // Each person's last screen, kept with the artefacts (the first thing to look at after a failure).
    for (const [name, page] of Object.entries(pages)) await screenshot(page, `final-${name}`).catch(() => {});
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it('signs up with a date of birth and shows the age band; the device key stays in the browser', async () => {
    await pages.alice.goto(server.url);
    await screenshot(pages.alice, 'messenger-signup');
    assert.deepEqual(await seriousA11yViolations(pages.alice), [], 'sign-up screen');
    await signUpInBrowser(pages.alice, server.url, handle('alice'), bornYearsAgo(30));
    await signUpInBrowser(pages.bob, server.url, handle('bob'), bornYearsAgo(35));
    // Under 13: refused with the reason, and nothing is kept (the same page then signs up properly).
    await pages.mia.goto(server.url);
    await pages.mia.getByLabel('Handle', { exact: true }).fill(handle('mia'));
    await pages.mia.getByLabel('Date of birth').fill(bornYearsAgo(10));
    await pages.mia.getByRole('button', { name: 'Create account' }).click();
    await pages.mia.getByRole('alert').filter({ hasText: /13/ }).waitFor();
    await signUpInBrowser(pages.mia, server.url, handle('mia'), bornYearsAgo(14));
    assert.equal(await pages.alice.getByTestId('age-band').textContent(), '18+');
    assert.equal(await pages.mia.getByTestId('age-band').textContent(), '13–15');
    await pages.mia.getByText('Safeguards on').waitFor();
    // The device key is in IndexedDB; reloading reopens the same account (no server-side key).
    await pages.alice.reload();
    await pages.alice.getByText(`@${handle('alice')}`).waitFor();
  });

  it('contact requests: an adult cannot reach an unconnected 14-year-old; she can ask, and he accepts', async () => {
    await sendContactRequest(pages.alice, handle('bob'));
    await pages.bob.getByRole('button', { name: `Accept @${handle('alice')}` }).click();
    // The policy is the server's: the adult's request to the minor is refused with the rule named.
    await sendContactRequest(pages.bob, handle('mia'), false);
    await pages.bob.getByRole('alert').filter({ hasText: 'ADULT_TO_UNCONNECTED_MINOR' }).waitFor();
    await sendContactRequest(pages.mia, handle('alice'));
    await pages.alice.getByRole('button', { name: `Accept @${handle('mia')}` }).click();
    await pages.alice.getByRole('button', { name: `Message @${handle('mia')}` }).waitFor();
  });

  it('exchanges text and an image end to end encrypted, with delivery and read states', async () => {
    const { alice, bob } = pages;
    await alice.getByRole('button', { name: `Message @${handle('bob')}` }).click();
    await alice.getByRole('heading', { name: `@${handle('bob')}`, exact: true }).waitFor();
    await alice.getByLabel('Message', { exact: true }).fill('hello bob, here is my drawing');
    await alice
      .getByLabel('Attach an image')
      .setInputFiles({ name: 'drawing.png', mimeType: 'image/png', buffer: unrelated });
    await alice.getByRole('button', { name: 'Send', exact: true }).click();
    await alice.getByText('hello bob, here is my drawing').waitFor();

    await bob.getByRole('button', { name: `@${handle('alice')}`, exact: true }).click();
    await bob.getByText('hello bob, here is my drawing').waitFor();
    const image = bob.getByRole('img', { name: `Image from @${handle('alice')}` });
    await image.waitFor();
    // Decrypted in the browser: the <img> shows a blob: URL of the plaintext, not a server URL.
    assert.match((await image.getAttribute('src')) ?? '', /^blob:/);
    assert.equal(await bob.locator('figure[data-blurred="true"]').count(), 0, 'adults see images unblurred');
    await bob.getByLabel('Message', { exact: true }).fill('lovely, thanks');
    await bob.getByRole('button', { name: 'Send', exact: true }).click();
    // Alice's message was read by Bob: the receipt came back end to end encrypted.
    await alice.getByTestId('delivery-state').filter({ hasText: 'Read' }).first().waitFor();
    await alice.getByText('lovely, thanks').waitFor();
    await screenshot(bob, 'messenger-conversation');
    assert.deepEqual(await seriousA11yViolations(bob), [], 'conversation screen');

    // The server holds only ciphertext: no stored blob contains the image's bytes.
    const sample = unrelated.subarray(unrelated.length >> 1, (unrelated.length >> 1) + 64);
    const blobs = (await readdir(join(dataDir, 'blobs'), { recursive: true, withFileTypes: true })).filter(
      (f) => f.isFile(),
    );
    assert.ok(blobs.length > 0, 'the encrypted image was stored');
    for (const file of blobs) {
      const stored = await readFile(join(file.parentPath, file.name));
      assert.equal(stored.indexOf(sample), -1, `blob ${file.name} holds plaintext image bytes`);
    }
    assert.deepEqual(await moderationQueue(server.url, staff.token), [], 'an unrelated image opens no case');
  });

  it('shows a minor an image from a group member who is not her contact blurred, with help; she reports it', async () => {
    const { alice, bob, mia } = pages;
    const group = alice.getByRole('group', { name: 'New group' });
    await group.getByLabel(`@${handle('bob')}`).check();
    await group.getByLabel(`@${handle('mia')}`).check();
    await alice.getByRole('button', { name: 'Create group' }).click();

    const groupTitle = new RegExp(
      `@${handle('alice')}, @${handle('mia')}|@${handle('mia')}, @${handle('alice')}`,
    );
    await bob.getByRole('button', { name: groupTitle }).click();
    await bob.getByLabel('Message', { exact: true }).fill('look at this one');
    await bob
      .getByLabel('Attach an image')
      .setInputFiles({ name: 'known.png', mimeType: 'image/png', buffer: known });
    await bob.getByRole('button', { name: 'Send', exact: true }).click();
    await bob.getByText('look at this one').waitFor();

    await mia.getByRole('button', { name: new RegExp(`@${handle('bob')}`) }).click();
    const hidden = mia.getByRole('img', { name: `Hidden image from @${handle('bob')}` });
    await hidden.waitFor();
    assert.equal(await mia.locator('figure[data-blurred="true"]').count(), 1);
    const filter = await hidden.evaluate(
      (element) => element.ownerDocument.defaultView?.getComputedStyle(element).filter ?? '',
    );
    assert.match(filter, /blur/);
    await screenshot(mia, 'messenger-minor-blurred');
    assert.deepEqual(await seriousA11yViolations(mia), [], 'minor conversation screen');
    await mia.getByRole('button', { name: 'Get help' }).first().click();
    await mia.getByRole('dialog', { name: 'Talk to someone you trust' }).waitFor();
    await mia.getByRole('button', { name: 'Close' }).click();

    await mia.getByRole('button', { name: new RegExp(`^Report message from @${handle('bob')}`) }).click();
    const dialog = mia.getByRole('dialog', { name: `Report @${handle('bob')}` });
    await dialog.getByLabel('Include earlier messages').selectOption('1');
    // The reporter sees exactly what will be sent before it is sent.
    const preview = dialog.getByTestId('report-preview');
    await preview.getByText('look at this one').waitFor();
    assert.equal(
      await preview.locator('li').count(),
      1,
      'only the reported message: nothing earlier in this group',
    );
    await screenshot(mia, 'messenger-report-preview');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByText(/Report sent \(case .*\)\. 1 of 1 messages verified/).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The risk engine re-scored bob after the report: mia, still in a group with him, gets a
    // friction notice naming him (never why), with block and help.
    const notice = mia.getByRole('region', { name: 'Safety notice' });
    await notice.getByText(`@${handle('bob')}:`).waitFor();
    await notice.getByRole('button', { name: `Block @${handle('bob')}` }).waitFor();
    assert.equal(
      await bob.getByRole('region', { name: 'Safety notice' }).count(),
      0,
      'never the flagged account',
    );

    const queue = await moderationQueue(server.url, staff.token);
    assert.equal(queue.length, 1, 'one case: the detection match and the report are about the same sender');
    const opened = (await (
      await fetch(`${server.url}/v1/mod/cases/${queue[0]?.caseId}`, {
        headers: { authorization: `Staff ${staff.token}` },
      })
    ).json()) as { events: Array<{ type: string; bankEntryId?: string }>; reports: unknown[] };
    // The sender's browser hashed the image before encrypting it and reported the client-match.
    const match = opened.events.find((e) => e.type === 'match');
    assert.ok(match, 'the client-match from the browser opened the case');
    assert.equal(opened.reports.length, 1);
  });

  it('a moderator sees the case with a verified frank and the match, reveals the image (logged) and decides', async () => {
    const context = await isolatedContext(browser, server.url, foreign);
    contexts.push(context);
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Staff token').fill(staff.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    const [queued] = await moderationQueue(server.url, staff.token);
    assert.ok(queued);
    await page.getByRole('button', { name: `Open case ${queued.caseId}` }).click();
    await page.getByRole('heading', { name: `Case ${queued.caseId}` }).waitFor();
    await page.locator('.badge.verified').filter({ hasText: 'Frank verified' }).first().waitFor();
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /TEST_KNOWN_IMAGES/,
      'the bank that matched',
    );
    const figure = page.locator('figure.media').first();
    await figure.locator('img').waitFor();
    assert.equal(await figure.getAttribute('data-state'), 'blurred');
    await screenshot(page, 'console-case-from-messenger');
    await page.getByRole('button', { name: 'Reveal image' }).first().click();
    await page.locator('figure.media[data-state="revealed"] img').first().waitFor();
    const audit = (await (
      await fetch(`${server.url}/v1/mod/audit`, { headers: { authorization: `Staff ${auditor.token}` } })
    ).json()) as { entries: Array<{ action: string; caseId?: string; actorId: string }> };
    const reveals = audit.entries.filter((e) => e.action === 'media.reveal');
    assert.equal(reveals.length, 1, 'the reveal is in the audit log');
    assert.equal(reveals[0]?.actorId, staff.id);
    await page.getByLabel('Decision').selectOption('restrict');
    await page.getByLabel('Reason').fill('sent a known image to a minor in a group');
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByRole('status').filter({ hasText: 'Decision recorded' }).waitFor();
    const decided = (await (
      await fetch(`${server.url}/v1/mod/cases/${queued.caseId}`, {
        headers: { authorization: `Staff ${staff.token}` },
      })
    ).json()) as { state: { decision: string; status: string } };
    assert.equal(decided.state.decision, 'restrict');
    assert.equal(decided.state.status, 'decided');
  });

  it('nudges a minor about a secrecy request, on her device only; works by keyboard and at phone width', async () => {
    const { alice, mia } = pages;
    await alice.getByRole('button', { name: `Message @${handle('mia')}` }).click();
    await alice.getByRole('heading', { name: `@${handle('mia')}`, exact: true }).waitFor();
    await alice.getByLabel('Message', { exact: true }).fill("this is our little secret, don't tell your mom");
    await alice.getByRole('button', { name: 'Send', exact: true }).click();
    await alice.getByText('this is our little secret').waitFor();

    await mia.getByRole('button', { name: `Message @${handle('alice')}` }).click();
    await mia.getByRole('heading', { name: `@${handle('alice')}`, exact: true }).waitFor();
    const tip = mia.getByRole('note', { name: 'Safety tip' });
    await tip.waitFor();
    assert.match((await tip.textContent()) ?? '', /keep a secret/);
    // The sender sees no trace of it.
    assert.equal(await alice.getByRole('note', { name: 'Safety tip' }).count(), 0);

    // Keyboard: the report dialog opens from the keyboard, takes focus, and Escape gives it back.
    const report = mia.getByRole('button', { name: new RegExp(`^Report message from @${handle('alice')}`) });
    await report.focus();
    await mia.keyboard.press('Enter');
    const dialog = mia.getByRole('dialog', { name: `Report @${handle('alice')}` });
    await dialog.waitFor();
    assert.equal(await mia.evaluate('document.activeElement && document.activeElement.id'), 'report-reason');
    await mia.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await report.evaluate((element) => element === element.ownerDocument.activeElement), true);

    // Ask before send: the page ships no nudity model, so a minor is asked before every image.
    await mia
      .getByLabel('Attach an image')
      .setInputFiles({ name: 'mine.png', mimeType: 'image/png', buffer: unrelated });
    await mia.getByRole('button', { name: 'Send', exact: true }).click();
    const ask = mia.getByRole('dialog', { name: 'Before you send this photo' });
    await ask.waitFor();
    await screenshot(mia, 'messenger-ask-before-send');
    await ask.getByRole('button', { name: "Don't send" }).click();
    await mia.getByRole('status').filter({ hasText: 'Not sent.' }).waitFor();
    await mia
      .getByLabel('Attach an image')
      .setInputFiles({ name: 'mine.png', mimeType: 'image/png', buffer: unrelated });
    await mia.getByRole('button', { name: 'Send', exact: true }).click();
    await ask.getByRole('button', { name: 'Send anyway' }).click();
    await alice.getByRole('img', { name: `Image from @${handle('mia')}` }).waitFor();
    assert.equal(
      await alice.getByRole('img', { name: `Image from @${handle('mia')}` }).count(),
      1,
      'the cancelled image never arrived',
    );

    // Blocking from the safety tip: the server takes it (and the policy then refuses alice's requests).
    await tip.getByRole('button', { name: `Block @${handle('alice')}` }).click();
    await mia
      .getByRole('status')
      .filter({ hasText: `@${handle('alice')} is blocked.` })
      .waitFor();
    await sendContactRequest(alice, handle('mia'), false);
    await alice.getByRole('alert').filter({ hasText: 'BLOCKED' }).waitFor();

    await mia.setViewportSize({ width: 375, height: 800 });
    const overflow = (await mia.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    )) as number;
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at phone width`);
    await screenshot(mia, 'messenger-phone-width');
    assert.deepEqual(await seriousA11yViolations(mia), [], 'phone width');
  });

  it('made no request to any other host, and no page error', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
  });

  async function sendContactRequest(page: Page, target: string, expectSent = true) {
    await page.getByLabel('Handle to add').fill(target);
    await page.getByRole('button', { name: 'Send request' }).click();
    if (expectSent)
      await page
        .getByRole('status')
        .filter({ hasText: `Contact request sent to @${target}` })
        .waitFor();
  }
});
