// Shared steps of the web app's browser tests: where the build is, and signing up through the UI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const WEB_ROOT = join(new URL('../..', import.meta.url).pathname, 'apps', 'web', 'dist');

/** The browser tests test the built app: `npm test` builds it first. */
export function assertWebBuilt(): void {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    throw new Error(`${WEB_ROOT}/index.html is missing: run \`npm run build\` before the browser tests`);
  }
}

/** A date of birth `years` years before today (YYYY-MM-DD), minus a month so a birthday never straddles. */
export function bornYearsAgo(years: number): string {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() - years);
  date.setUTCMonth(date.getUTCMonth() - 1);
  return date.toISOString().slice(0, 10);
}

/** Signs up through the sign-up form and waits for the messenger to show the age band. */
export async function signUpInBrowser(
  page: Page,
  url: string,
  handle: string,
  dateOfBirth: string,
): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByLabel('Date of birth').fill(dateOfBirth);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('age-band').waitFor();
}
