import websocket from '@fastify/websocket';
import type { ServerFrankingKey } from '@safelight/franking';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResolvedConfig, ServerConfig } from './config.js';
import { type AppContext, createContext } from './context.js';
import { type PreparedDetection, prepareDetection } from './detection/deployment.js';
import { type Api, createHttp } from './http.js';
import { detectionRoutes } from './routes/detection.js';
import { deviceRoutes } from './routes/device/index.js';
import { frictionRoutes } from './routes/friction.js';
import { publicRoutes } from './routes/public/index.js';
import { riskRoutes } from './routes/risk.js';
import { safetyRoutes } from './routes/safety.js';
import { staffRoutes } from './routes/staff/index.js';
import { surfaceRoutes } from './routes/surfaces.js';
import { webRoutes } from './routes/web.js';
import { sweepExpiredEvidence } from './services/moderation/retention.js';
import type { ServiceOverrides } from './services/services.js';
import type { DeliveryRepository, InboxItem } from './storage/repository.js';

export { redactUrlForLog } from './http.js';

export interface DeliveryServer {
  /** The Fastify instance (routes registered, ready after createServer resolves). */
  readonly app: FastifyInstance;
  readonly config: ResolvedConfig;
  readonly repository: DeliveryRepository;
  /** The wiring: services, writer, events (tests reach services through it). */
  readonly context: AppContext;
  /** The franking key in use (the moderation side verifies franks with it). */
  readonly frankingKey: ServerFrankingKey;
  /** Starts listening on config.host:config.port; resolves to the base URL (http://host:port). */
  listen(): Promise<string>;
  /** The base URL once listening. */
  readonly url: string | undefined;
  /** The detection mode that runs and what to tell the operator about it (enclave measurement...). */
  readonly detection: { readonly mode: string; readonly notes: readonly string[] } | undefined;
  /** Stops accepting, finishes in-flight writes, closes sockets and the database. Idempotent. */
  close(): Promise<void>;
}

/** Test-only replacements (services as built -> the ones to use). */
export interface ServerOverrides {
  readonly services?: ServiceOverrides;
}

/**
 * Builds the server (docs/server.md): the context (storage, writer, services, events), the HTTP
 * layer, and the route plugins per audience — public, device (signed in), staff. Call `listen()`
 * to serve and `close()` to stop.
 */
export async function createServer(
  input: ServerConfig = {},
  overrides: ServerOverrides = {},
): Promise<DeliveryServer> {
  let app: Api | undefined;
  const ctx = await createContext(input, {
    ...(overrides.services ? { services: overrides.services } : {}),
    log: () => app?.log ?? { error: () => {}, warn: () => {} },
  });
  let detection: PreparedDetection | undefined;
  try {
    // TODO(server-shape): true once every plugin is under routes/{public,device,staff}.
    app = await createHttp(ctx.config, ctx.metrics, { requireResponseSchemas: false });
    app.decorateRequest('session', null);
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    if (input.web) await app.register(webRoutes, { config: input.web });
    await app.register(async (scope) => publicRoutes(scope as Api, ctx));
    await app.register(async (scope) => deviceRoutes(scope as Api, ctx));
    await app.register(async (scope) => staffRoutes(scope as Api, ctx));
    await registerUnportedPlugins(app, ctx);
    // Detection last: a mode may start processes or worker threads, stopped again on failure.
    const api = app;
    detection = input.detection
      ? await prepareDetection(input.detection, {
          repository: ctx.repository,
          dataDir: ctx.config.dataDir,
          warn: (message, error) => api.log.warn({ err: error }, message),
        })
      : undefined;
    await app.register(detectionRoutes, {
      prepared: detection,
      repository: ctx.repository,
      writer: ctx.writer,
      authenticate: authenticator(ctx),
      now: ctx.now,
    });
    await app.ready();
  } catch (error) {
    await detection?.close();
    await app?.close();
    await ctx.close();
    throw error;
  }
  const http = app;

  // Housekeeping: expired challenges and sessions, once a minute.
  const sweeper = setInterval(() => {
    ctx.write((s) => s.accounts.deleteExpired()).catch(() => {});
  }, 60_000);
  sweeper.unref();
  // Evidence whose preservation period ended: deleted hourly by default (moderation.sweepIntervalMs).
  const evidenceEvery = input.moderation?.sweepIntervalMs ?? 3_600_000;
  const evidenceSweeper =
    evidenceEvery > 0
      ? setInterval(() => {
          sweepExpiredEvidence(ctx, ctx.now()).catch((error: unknown) =>
            http.log.error({ err: error }, 'evidence sweep failed'),
          );
        }, evidenceEvery)
      : undefined;
  evidenceSweeper?.unref();

  let url: string | undefined;
  let closing: Promise<void> | undefined;
  return {
    app: http,
    config: ctx.config,
    repository: ctx.repository,
    context: ctx,
    frankingKey: ctx.frankingKey,
    get url() {
      return url;
    },
    detection: detection && { mode: detection.mode, notes: detection.notes },
    async listen() {
      await http.listen({ host: ctx.config.host, port: ctx.config.port });
      const port = (http.server.address() as { port: number }).port;
      url = `http://${ctx.config.host.includes(':') ? `[${ctx.config.host}]` : ctx.config.host}:${port}`;
      return url;
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        clearInterval(evidenceSweeper);
        ctx.hub.closeAll();
        await http.close();
        await detection?.close();
        await ctx.close();
      })();
      return closing;
    },
  };
}

/** The bearer-token check of the plugins not yet moved under routes/device (sets request.session). */
function authenticator(ctx: AppContext) {
  return async (request: FastifyRequest) => {
    const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(request.headers.authorization ?? '');
    request.session = await ctx.sessionFor(match?.[1]);
  };
}

// TODO(server-shape): these plugins move into services + routes/{device,staff}; until then they get
// what they used to from the context.
async function registerUnportedPlugins(app: Api, ctx: AppContext): Promise<void> {
  const { input, repository, writer, blobs, now } = ctx;
  const authenticate = authenticator(ctx);
  await app.register(safetyRoutes, { repository, writer, authenticate, now, config: input.safety });
  await app.register(surfaceRoutes, { repository, writer, blobs, authenticate, now, config: input.surfaces });
  await app.register(riskRoutes, { repository, writer, now, config: input.risk, events: ctx.events });
  await app.register(frictionRoutes, { repository, authenticate, now, safety: input.safety });
}

/** createServer + listen: resolves once the server accepts connections. */
export async function startServer(
  config: ServerConfig = {},
  overrides: ServerOverrides = {},
): Promise<DeliveryServer> {
  const server = await createServer(config, overrides);
  try {
    await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

export type { InboxItem };
