// A real browser for the web app's tests: Debian's chromium driven by playwright-core (no browser
// download). Every page is watched: a request to any origin but the app's own fails the test.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.SAFELIGHT_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (CI keeps the folder as the tests' artefacts; biome and git ignore it). */
export const ARTIFACT_DIR = join(new URL('../..', import.meta.url).pathname, 'test-artifacts', 'web');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh context (its own IndexedDB: one device) whose pages may only talk to `origin`. */
export async function isolatedContext(
  browser: Browser,
  origin: string,
  foreign: string[],
  viewport = { width: 1200, height: 900 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
  return context;
}

/** Collects console errors and uncaught page errors, to fail on them at the end. */
export function watchErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A refused request (e.g. a 403 the UI shows as a policy refusal) is logged by the browser as
    // "Failed to load resource"; the tests assert what the person sees instead.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACT_DIR, { recursive: true });
  const path = join(ARTIFACT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A/AA rules). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
