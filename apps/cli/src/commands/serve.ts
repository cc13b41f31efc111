import { existsSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePdqHex } from '@safelight/pdq';
import {
  type BankSnapshot,
  DETECTION_MODE_NAMES,
  type DetectionModeName,
  startServer,
} from '@safelight/server';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  /** The built web app; default apps/web/dist beside this CLI, if it was built. */
  webRoot?: string;
  /** The moderator console's staff token; default one generated into <dataDir>/staff-token. */
  staffToken?: string;
  /** PDQ hashes (hex, one per line, optional id after a space) the detection mode matches against. */
  bankFile?: string;
  /** The detection mode (default client-match when a bank is given); every mode needs a bank. */
  detection?: string;
}

/** apps/web/dist, found from apps/cli/dist/commands (built) or apps/cli/src/commands (sources). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const STAFF_TOKEN_FILE = 'staff-token';

/** `safelight serve`: the delivery server until SIGINT/SIGTERM, then a graceful shutdown. */
export async function runServe(options: ServeOptions): Promise<number> {
  const mode = detectionModeOf(options);
  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT;
  const hasWeb = existsSync(join(webRoot, 'index.html'));
  const staffToken = options.staffToken ?? (await loadOrCreateStaffToken(options.dataDir));
  const bank = options.bankFile ? await readBankFile(options.bankFile) : undefined;
  const server = await startServer({
    host: options.host,
    port: options.port,
    dataDir: options.dataDir,
    storage: options.databaseUrl
      ? {
          kind: 'postgres',
          url: options.databaseUrl,
          ...(options.schema ? { schema: options.schema } : {}),
        }
      : { kind: 'sqlite', dataDir: options.dataDir },
    moderation: { staff: [{ id: 'operator', role: 'senior-moderator', token: staffToken }] },
    ...(hasWeb ? { web: { root: webRoot } } : {}),
    ...(mode && bank ? { detection: { mode, bank } } : {}),
  });
  process.stdout.write(`safelight delivery server listening on ${server.url}\n`);
  if (hasWeb) {
    process.stdout.write(`messenger:         ${server.url}/\n`);
    process.stdout.write(
      `moderator console: ${server.url}/console (staff token: ${options.staffToken ? 'as given' : join(options.dataDir, STAFF_TOKEN_FILE)})\n`,
    );
  } else {
    process.stdout.write(`web app not built (no ${webRoot}/index.html): run npm run build to serve it\n`);
  }
  if (server.detection && bank) {
    process.stdout.write(
      `detection: ${server.detection.mode} against ${bank.entries.length} hashes from ${options.bankFile}\n`,
    );
    for (const note of server.detection.notes) process.stdout.write(`  ${note}\n`);
    if (hasWeb && server.detection.mode !== 'client-match') {
      process.stdout.write(
        `  the web messenger runs client-match only: its browsers send no detection payloads under ${server.detection.mode} (Node SDK devices do)\n`,
      );
    }
  } else {
    process.stdout.write(
      'detection: off (pass --bank FILE, and --detection MODE for another mode than client-match)\n',
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('shutting down\n');
  await server.close();
  return 0;
}

/** A random staff token kept in the data folder (0600), so the console survives restarts. */
async function loadOrCreateStaffToken(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, STAFF_TOKEN_FILE);
  try {
    const handle = await open(path, 'wx', 0o600);
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
    try {
      await handle.writeFile(`${token}\n`);
    } finally {
      await handle.close();
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length < 16) throw new Error(`${path}: the staff token must be at least 16 characters`);
    return token;
  }
}

/**
 * The mode to run: --detection, or client-match when only --bank is given (as before modes could
 * be chosen). Refuses an unknown mode and a mode without a bank, before anything starts.
 */
export function detectionModeOf(
  options: Pick<ServeOptions, 'bankFile' | 'detection'>,
): DetectionModeName | undefined {
  const { detection } = options;
  if (detection !== undefined && !(DETECTION_MODE_NAMES as readonly string[]).includes(detection)) {
    throw new Error(
      `--detection ${JSON.stringify(detection)} is not a detection mode; one of ${DETECTION_MODE_NAMES.join(', ')}`,
    );
  }
  if (detection !== undefined && options.bankFile === undefined) {
    throw new Error(`--detection ${detection} needs --bank FILE: every mode matches against a bank`);
  }
  if (options.bankFile === undefined) return undefined;
  return (detection as DetectionModeName | undefined) ?? 'client-match';
}

/** `<64 hex> [id]` per line; blank lines and # comments skipped; errors name the line. */
export async function readBankFile(path: string): Promise<BankSnapshot> {
  const entries: Array<{ id: string; pdq: ReturnType<typeof parsePdqHex> }> = [];
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [hex = '', id] = line.split(/\s+/, 2);
    try {
      entries.push({ id: id ?? `line-${index + 1}`, pdq: parsePdqHex(hex) });
    } catch (error) {
      throw new Error(`${path}:${index + 1}: not a PDQ hash (${(error as Error).message})`);
    }
  });
  if (entries.length === 0) throw new Error(`${path}: no PDQ hashes in the file`);
  return { bankName: 'SERVE_BANK', entries };
}
