import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** File name endings taken from folders and globs; a file named explicitly is always tried. */
export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
]);

function isImageName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile() && isImageName(entry.name)) out.push(path);
  }
}

/**
 * Expands command-line operands into the files to hash, in a stable order: a file as given, a
 * folder recursively (image extensions only, sorted), a glob pattern through tinyglobby. An
 * operand that is none of these is kept, so it is reported per file ("no such file") while the
 * rest still hash. Duplicates are dropped.
 */
export async function expandInputs(operands: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const operand of operands) {
    const info = await stat(operand).catch(() => undefined);
    if (info?.isDirectory()) {
      await walk(operand, files);
    } else if (!info && isDynamicPattern(operand)) {
      const matches = await glob(operand, { onlyFiles: true, dot: false, expandDirectories: false });
      files.push(...matches.filter(isImageName).sort());
    } else {
      files.push(operand);
    }
  }
  return [...new Set(files)];
}
