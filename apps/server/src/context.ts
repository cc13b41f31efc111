// The server's wiring (as Ozone's context.ts): configuration, storage, the single writer, the event
// bus, process-wide parts (push hub, blobs, metrics) and the services, built once at start. Routes
// get this context and nothing else; they call `read()` or `write()` and never touch SQL.
import { join } from 'node:path';
import { frankStamper, type ServerFrankingKey } from '@safelight/franking';
import { hashToken } from './auth.js';
import { BlobStore } from './blobs.js';
import {
  loadFrankingKey,
  loadOrCreateSecret,
  type ResolvedConfig,
  resolveConfig,
  type ServerConfig,
} from './config.js';
import { createDetectionMode } from './detection/deployment.js';
import type { ServerDetectionMode } from './detection/mode.js';
import { toB64u } from './encoding.js';
import { ServerError } from './errors.js';
import { type EventBus, InProcessEventBus } from './events.js';
import { PushHub } from './hub.js';
import { ServerMetrics } from './metrics.js';
import { createModerationDeps } from './services/moderation/deps.js';
import { resolveRisk } from './services/risk.js';
import { readScope, type Scope, WriteScope } from './services/scope.js';
import { bindServices, type ServiceDeps, type ServiceOverrides, type Services } from './services/services.js';
import { prepareSurfaces } from './services/surfaces.js';
import { openPostgresRepository } from './storage/postgres.js';
import type { DeliveryRepository, SessionRow } from './storage/repository.js';
import { openSqliteRepository, SQLITE_FILE_NAME } from './storage/sqlite.js';
import { subscribeRisk } from './subscribers/risk.js';
import { GroupCommitWriter } from './writer.js';

const SESSION_CACHE_MAX = 10_000;
const SESSION_CACHE_TTL_MS = 60_000;

/** Where log lines about work no request waits for go (event handlers, pushes). */
export interface ContextLog {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface AppContext {
  readonly config: ResolvedConfig;
  /** What createServer was given (the per-area configuration: safety, moderation, detection...). */
  readonly input: ServerConfig;
  readonly repository: DeliveryRepository;
  readonly writer: GroupCommitWriter;
  readonly events: EventBus;
  readonly hub: PushHub;
  readonly blobs: BlobStore;
  readonly metrics: ServerMetrics;
  readonly frankingKey: ServerFrankingKey;
  /** The detection mode the platform runs (its server half), or undefined. */
  readonly detection: ServerDetectionMode | undefined;
  readonly deps: ServiceDeps;
  readonly now: () => number;
  /** Services over the database, outside any write (reads only). */
  read(): Services;
  /**
   * Runs `fn` in the single writer's transaction with every service bound to it: all it does
   * commits together (or not at all); the events it emits are published after the commit.
   */
  write<T>(fn: (services: Services, scope: Scope) => Promise<T>): Promise<T>;
  /** The session of a bearer token, or UNAUTHENTICATED (cached for a minute). */
  sessionFor(token: string | undefined): Promise<SessionRow>;
  /** Stops the writer, the bus and the database (after the HTTP server has stopped). */
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Replaces services as built (tests). */
  readonly services?: ServiceOverrides;
  readonly log: () => ContextLog;
}

export async function createContext(input: ServerConfig, options: ContextOptions): Promise<AppContext> {
  const config = resolveConfig(input);
  // Per-area configuration, checked before anything opens: a bad one names its field.
  const risk = resolveRisk(input.risk);
  const surfaces = prepareSurfaces(input.surfaces);
  const frankingKey = await loadFrankingKey(input.franking, config.dataDir);
  const repository =
    config.storage.kind === 'sqlite'
      ? await openSqliteRepository(join(config.storage.dataDir, SQLITE_FILE_NAME))
      : await openPostgresRepository({
          url: config.storage.url,
          ...(config.storage.schema === undefined ? {} : { schema: config.storage.schema }),
        });
  const blobs = new BlobStore(config.blobDir, config.limits.blobBytes);
  try {
    await blobs.init();
  } catch (error) {
    await repository.close();
    throw error;
  }
  const now = config.now;
  let writer!: GroupCommitWriter;
  const hub = new PushHub(repository, Math.min(config.limits.inboxPage, 500), (error) =>
    options.log().error({ err: error }, 'push failed'),
  );
  const metrics = new ServerMetrics(
    () => writer.depth,
    () => hub.connections,
  );
  writer = new GroupCommitWriter(repository, {
    onBatch: (size, seconds) => {
      metrics.batchSize.observe(size);
      metrics.batchSeconds.observe(seconds);
    },
  });
  const events = new InProcessEventBus((error, event) =>
    options.log().error({ err: error, event: event.type }, 'event handler failed'),
  );
  const overrides = options.services ?? {};
  let reads!: Services;
  const write = <T>(fn: (services: Services, scope: Scope) => Promise<T>): Promise<T> =>
    writer.submit(async (tx, operation) => {
      const scope = new WriteScope(tx, operation, events);
      const result = await fn(bindServices(scope, deps, overrides), scope);
      scope.publishAfterCommit();
      return result;
    });
  let moderation: ServiceDeps['moderation'];
  try {
    moderation = await createModerationDeps({
      config: input.moderation,
      dataDir: config.dataDir,
      frankingKey,
      blobs,
      access: { read: () => reads, write },
    });
  } catch (error) {
    await writer.close();
    await repository.close();
    throw error;
  }
  const deps: ServiceDeps = {
    config,
    now,
    frankingKey,
    stampFrank: frankStamper(frankingKey),
    hub,
    metrics,
    safety: input.safety ?? {},
    risk,
    surfaces,
    blobs,
    moderation,
  };
  reads = bindServices(readScope(repository), deps, overrides);
  // A "report-to-ncmec" decision files the case "as soon as reasonably possible" (18 USC 2258A),
  // but not inside the moderator's request: in the background, retried by the filer, resumable
  // with POST /v1/mod/cases/:caseId/ncmec.
  const filer = moderation.ncmec;
  if (filer)
    events.subscribe('case.decided', (event) => {
      if (event.decision !== 'report-to-ncmec') return;
      filer
        .file(event.caseId, 'system')
        .catch((error: unknown) =>
          options.log().error({ err: error, caseId: event.caseId }, 'NCMEC filing did not complete'),
        );
    });
  // Last: a mode may start processes or worker threads; everything opened so far closes on failure.
  let detection: ServerDetectionMode | undefined;
  try {
    detection = input.detection
      ? await createDetectionMode(input.detection, {
          devicePublicKeys: async (accountId) =>
            (await reads.accounts.devicesOf(accountId)).map((device) => device.publicKey),
          secret: (fileName) => loadOrCreateSecret(config.dataDir, fileName),
        })
      : undefined;
  } catch (error) {
    await writer.close();
    await repository.close();
    throw error;
  }

  const sessionCache = new Map<string, { session: SessionRow; cachedAt: number }>();
  async function sessionFor(token: string | undefined): Promise<SessionRow> {
    if (!token || token.length > 256) throw new ServerError('UNAUTHENTICATED', 'missing bearer token');
    const hash = hashToken(token);
    const key = toB64u(hash);
    const t = now();
    const cached = sessionCache.get(key);
    let session = cached && t - cached.cachedAt < SESSION_CACHE_TTL_MS ? cached.session : undefined;
    if (session === undefined) {
      session = await reads.accounts.session(hash);
      if (session === undefined) throw new ServerError('UNAUTHENTICATED', 'unknown or expired token');
      if (sessionCache.size >= SESSION_CACHE_MAX) sessionCache.clear();
      sessionCache.set(key, { session, cachedAt: t });
    }
    if (session.expiresAt < t) throw new ServerError('UNAUTHENTICATED', 'unknown or expired token');
    return session;
  }

  const ctx: AppContext = {
    config,
    input,
    repository,
    writer,
    events,
    hub,
    blobs,
    metrics,
    frankingKey,
    detection,
    deps,
    now,
    read: () => reads,
    write,
    sessionFor,
    async close() {
      hub.closeAll();
      // Subscribers finish what they started (their writes need the writer), then stop listening.
      await events.idle();
      for (const stop of subscribers) stop();
      await writer.close();
      await events.close();
      await detection?.close();
      await repository.close();
    },
  };
  // Subscribers: what reacts to committed domain events (stopped by close()).
  const subscribers = [subscribeRisk(ctx)];
  return ctx;
}
