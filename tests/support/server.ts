import { randomBytes } from 'node:crypto';
import type { FrankingKeyring } from '@safelight/franking';
import { type DeliveryServer, type ServerConfig, startServer } from '@safelight/server';

/** A delivery server on loopback for integration tests, restartable on the same data and port. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly frankingKeyId: string;
  /** The moderator's view: what verifies this server's franks. */
  readonly frankingKeyring: FrankingKeyring;
  /** Everything the server logged so far (when started with captureLog). */
  log(): string;
  /** Closes the server (finishing in-flight writes) and starts it again on the same port and data. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL instead of the embedded SQLite: the URL and a schema of the test's own. */
export interface PostgresOption {
  readonly url: string;
  readonly schema: string;
}

export async function startTestServer(options: {
  dataDir: string;
  captureLog?: boolean;
  postgres?: PostgresOption | undefined;
  moderation?: ServerConfig['moderation'];
  /** The server's clock (ms), for tests of time: retention, expiry. */
  now?: () => number;
  detection?: ServerConfig['detection'];
  surfaces?: ServerConfig['surfaces'];
  risk?: ServerConfig['risk'];
  web?: ServerConfig['web'];
}): Promise<RunningServer> {
  const lines: string[] = [];
  const franking = { keyId: 'it-key-1', key: new Uint8Array(randomBytes(32)) };
  const logger = options.captureLog
    ? { level: 'info' as const, stream: { write: (line: string) => void lines.push(line) } }
    : false;
  const start = (port: number) =>
    startServer({
      host: '127.0.0.1',
      port,
      dataDir: options.dataDir,
      storage: options.postgres
        ? { kind: 'postgres' as const, url: options.postgres.url, schema: options.postgres.schema }
        : { kind: 'sqlite' as const, dataDir: options.dataDir },
      franking,
      logger,
      ...(options.moderation ? { moderation: options.moderation } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.detection ? { detection: options.detection } : {}),
      ...(options.surfaces ? { surfaces: options.surfaces } : {}),
      ...(options.risk ? { risk: options.risk } : {}),
      ...(options.web ? { web: options.web } : {}),
    });
  let server: DeliveryServer = await start(0);
  const url = server.url;
  if (url === undefined) throw new Error('the delivery server did not report its URL');
  const port = Number(new URL(url).port);
  let closed = false;
  return {
    url,
    port,
    frankingKeyId: franking.keyId,
    frankingKeyring: { [franking.keyId]: { key: franking.key, notAfter: Number.MAX_SAFE_INTEGER } },
    log: () => lines.join(''),
    async restart() {
      await server.close();
      server = await start(port);
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
    },
  };
}

/** A case as the moderation queue lists it (GET /v1/mod/cases). */
export interface QueuedCase {
  readonly caseId: string;
  readonly subjectAccountId: string;
  readonly priority: string;
}

/** The moderation queue as one staff member (by token) sees it. */
export async function moderationQueue(serverUrl: string, staffToken: string): Promise<QueuedCase[]> {
  const response = await fetch(`${serverUrl}/v1/mod/cases`, {
    headers: { authorization: `Staff ${staffToken}` },
  });
  return ((await response.json()) as { cases: QueuedCase[] }).cases;
}
