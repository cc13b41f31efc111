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

/** Video endings taken from folders and globs by commands that handle video (match). */
export const VIDEO_FILE_EXTENSIONS = new Set([
  '.mp4',
  '.m4v',
  '.mov',
  '.webm',
  '.mkv',
  '.avi',
  '.mpg',
  '.mpeg',
]);

export interface ExpandOptions {
  includeVideos?: boolean;
}

function wanted(name: string, options: ExpandOptions): boolean {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ending = name.slice(dot).toLowerCase();
  return (
    IMAGE_EXTENSIONS.has(ending) || (options.includeVideos === true && VIDEO_FILE_EXTENSIONS.has(ending))
  );
}

async function walk(dir: string, out: string[], options: ExpandOptions): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out, options);
    else if (entry.isFile() && wanted(entry.name, options)) out.push(path);
  }
}

/**
 * Expands command-line operands into the files to hash, in a stable order: a file as given, a
 * folder recursively (image extensions only, sorted), a glob pattern through tinyglobby. An
 * operand that is none of these is kept, so it is reported per file ("no such file") while the
 * rest still hash. Duplicates are dropped.
 */
export async function expandInputs(
  operands: readonly string[],
  options: ExpandOptions = {},
): Promise<string[]> {
  const files: string[] = [];
  for (const operand of operands) {
    const info = await stat(operand).catch(() => undefined);
    if (info?.isDirectory()) {
      await walk(operand, files, options);
    } else if (!info && isDynamicPattern(operand)) {
      const matches = await glob(operand, { onlyFiles: true, dot: false, expandDirectories: false });
      files.push(...matches.filter((m) => wanted(m, options)).sort());
    } else {
      files.push(operand);
    }
  }
  return [...new Set(files)];
}
