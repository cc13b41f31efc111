import websocket from '@fastify/websocket';
import type { ServerFrankingKey } from '@safelight/franking';
import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig, ServerConfig } from './config.js';
import { type AppContext, createContext } from './context.js';
import { type Api, createHttp } from './http.js';
import { deviceRoutes } from './routes/device/index.js';
import { publicRoutes } from './routes/public/index.js';
import { staffRoutes } from './routes/staff/index.js';
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
  try {
    app = await createHttp(ctx.config, ctx.metrics);
    app.decorateRequest('session', null);
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    if (input.web) await app.register(webRoutes, { config: input.web });
    await app.register(async (scope) => publicRoutes(scope as Api, ctx));
    await app.register(async (scope) => deviceRoutes(scope as Api, ctx));
    await app.register(async (scope) => staffRoutes(scope as Api, ctx));
    await app.ready();
  } catch (error) {
    await app?.close();
    await ctx.close();
    throw error;
  }
  const http = app;

  // Housekeeping, once a minute: expired auth challenges and sessions, and detection challenges
  // past their answer time (their sealed state is dropped; markers go after an hour).
  const sweeper = setInterval(() => {
    ctx.write((s) => s.accounts.deleteExpired()).catch(() => {});
    if (ctx.detection?.finish) ctx.write((s) => s.detection.challenges.sweep(ctx.now())).catch(() => {});
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
    detection: ctx.detection && { mode: ctx.detection.name, notes: ctx.detection.notes },
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
        await ctx.close();
      })();
      return closing;
    },
  };
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
