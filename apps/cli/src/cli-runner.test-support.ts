/** Test support: run the CLI from source in a child process, as a user would (pipes, no TTY). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function safelight(...args: string[]): CliRun {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@safelight/source', '--import', 'tsx', main, ...args],
    {
      encoding: 'utf8',
      timeout: 180_000,
      // Tests pick their store explicitly; a developer's environment must not leak in.
      env: { ...process.env, SAFELIGHT_DATABASE_URL: '', SAFELIGHT_DATABASE_SCHEMA: '' },
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Parses JSON-lines output; each record is checked field by field by the caller. */
// biome-ignore lint/suspicious/noExplicitAny: test records are asserted field by field.
export function jsonLines(text: string): Array<Record<string, any>> {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
