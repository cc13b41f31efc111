import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tests/support/shared-data.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * ../shared/data beside the project: reference data that tests use when present and never
 * copy into the project. SAFELIGHT_SHARED_DATA overrides the location.
 */
export const sharedDataDir = process.env.SAFELIGHT_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');

export function sharedPath(...parts: string[]): string {
  return resolve(sharedDataDir, ...parts);
}

export function hasSharedData(...parts: string[]): boolean {
  return existsSync(sharedPath(...parts));
}

/** Rows of a simple CSV (no quoted commas) as objects keyed by the header. */
export function readCsv(path: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const names = (header ?? '').split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(names.map((name, i) => [name, cells[i] ?? '']));
  });
}
