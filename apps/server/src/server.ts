import { createHash } from 'node:crypto';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { encodeFrank, frankStamper, type ServerFrankingKey } from '@safelight/franking';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import {
  type AuthPurpose,
  deviceIdOf,
  hashToken,
  newAccountId,
  newChallenge,
  newToken,
  verifyAuthSignature,
} from './auth.js';
import { BlobStore } from './blobs.js';
import {
  loadFrankingKey,
  loadOrCreateSecret,
  type ResolvedConfig,
  resolveConfig,
  type ServerConfig,
} from './config.js';
import { KyselyChallengeStore } from './detection/challenge-store.js';
import { createDetectionMode } from './detection/deployment.js';
import type { ServerDetectionMode } from './detection/mode.js';
import { fromB64u, toB64u } from './encoding.js';
import { ServerError } from './errors.js';
import { EVIDENCE_KEY_FILE, EvidenceFiles, EvidenceVault } from './evidence.js';
import { itemJson, PushHub } from './hub.js';
import { ServerMetrics } from './metrics.js';
import { checkKeyPackage, inspect } from './mls.js';
import { recordMatch } from './moderation-cases.js';
import { detectionRoutes } from './routes/detection.js';
import { frictionRoutes } from './routes/friction.js';
import { reportRoutes } from './routes/reports.js';
import { riskRoutes } from './routes/risk.js';
import { safetyRoutes } from './routes/safety.js';
import { surfaceRoutes } from './routes/surfaces.js';
import { webRoutes } from './routes/web.js';
import { sendBatched } from './socket-batching.js';
import { conversationQueries } from './storage/conversation-repository.js';
import type { DetectionDatabase } from './storage/detection-schema.js';
import { openPostgresRepository } from './storage/postgres.js';
import type { DeliveryRepository, InboxItem, NewInboxItem, SessionRow } from './storage/repository.js';
import { openSqliteRepository, SQLITE_FILE_NAME } from './storage/sqlite.js';
import { GroupCommitWriter } from './writer.js';

export interface DeliveryServer {
  /** The Fastify instance (routes registered, ready after createServer resolves). */
  readonly app: FastifyInstance;
  readonly config: ResolvedConfig;
  readonly repository: DeliveryRepository;
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

const CHALLENGE_TTL_MS = 2 * 60 * 1000;
const SESSION_CACHE_MAX = 10_000;
const SESSION_CACHE_TTL_MS = 60_000;

// ---- JSON schemas (every route validates; errors name the field) ----
const b64u = (maxLength: number, description?: string) => ({
  type: 'string',
  pattern: '^[A-Za-z0-9_-]+$',
  minLength: 1,
  maxLength,
  ...(description ? { description } : {}),
});
const handleSchema = { type: 'string', pattern: '^[a-z0-9_]{3,32}$' };
const messageIdSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' };
const deviceIdSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' };
const accountIdSchema = { type: 'string', pattern: '^acct_[A-Za-z0-9_-]{22}$' };
const groupIdParam = {
  type: 'object',
  required: ['groupId'],
  properties: { groupId: b64u(86, 'b64u MLS group id, at most 64 bytes') },
};
const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      additionalProperties: true,
    },
  },
};
const bearer = [{ bearer: [] }];

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionRow | null;
  }
  interface FastifyContextConfig {
    blob?: boolean;
  }
}

/** Redacts the `token` query parameter (the WebSocket's bearer token) from a logged URL. */
export function redactUrlForLog(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/**
 * Builds the delivery server (docs/delivery.md): opens and migrates storage, loads or creates the
 * franking key, registers every route. Call `listen()` to serve and `close()` to stop.
 */
export async function createServer(input: ServerConfig = {}): Promise<DeliveryServer> {
  const config = resolveConfig(input);
  const { limits } = config;
  const frankingKey = await loadFrankingKey(input.franking, config.dataDir);
  const stampFrankWithCurrentKey = frankStamper(frankingKey);
  const repository =
    config.storage.kind === 'sqlite'
      ? await openSqliteRepository(join(config.storage.dataDir, SQLITE_FILE_NAME))
      : await openPostgresRepository({
          url: config.storage.url,
          ...(config.storage.schema === undefined ? {} : { schema: config.storage.schema }),
        });
  const blobs = new BlobStore(config.blobDir, limits.blobBytes);
  try {
    await blobs.init();
  } catch (error) {
    await repository.close();
    throw error;
  }

  const app = Fastify({
    logger:
      config.logger === false
        ? false
        : {
            level: config.logger.level ?? 'info',
            ...(config.logger.stream ? { stream: config.logger.stream } : {}),
            // Never log tokens, payloads or bodies: only method, redacted URL and the route.
            serializers: {
              req: (req: FastifyRequest) => ({
                method: req.method,
                url: redactUrlForLog(req.url),
                remoteAddress: req.ip,
              }),
            },
            redact: ['req.headers.authorization', 'headers.authorization'],
          },
    bodyLimit: limits.messageBytes,
    forceCloseConnections: true,
  });

  let writer!: GroupCommitWriter;
  const hub = new PushHub(repository, Math.min(limits.inboxPage, 500), (error) =>
    app.log.error({ err: error }, 'push failed'),
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
  const now = config.now;

  // ---- errors ----
  app.setErrorHandler(
    (error: Error & { code?: string; statusCode?: number; validation?: unknown }, request, reply) => {
      let problem: ServerError;
      if (error instanceof ServerError) problem = error;
      else if (error.validation) {
        problem = new ServerError('VALIDATION_FAILED', error.message);
      } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        problem = request.routeOptions.config.blob
          ? new ServerError('BLOB_TOO_LARGE', `blob is over the ${limits.blobBytes}-byte limit`, {
              limit: limits.blobBytes,
            })
          : new ServerError(
              'MESSAGE_TOO_LARGE',
              `request body is over the ${request.routeOptions.bodyLimit ?? limits.messageBytes}-byte limit`,
              { limit: request.routeOptions.bodyLimit ?? limits.messageBytes },
            );
      } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        problem = new ServerError('UNSUPPORTED_MEDIA_TYPE', 'content-type is not accepted here');
      } else if (
        error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
        error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
        error instanceof SyntaxError
      ) {
        problem = new ServerError('INVALID_JSON', 'body is not valid JSON');
      } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        problem = new ServerError('VALIDATION_FAILED', error.message);
      } else {
        request.log.error({ err: error }, 'internal error');
        problem = new ServerError('INTERNAL', 'internal server error');
      }
      if (problem.status >= 500 && problem.code !== 'INTERNAL')
        request.log.error({ err: problem.cause ?? problem }, problem.code);
      reply.status(problem.status).send(problem.toBody());
    },
  );
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        new ServerError(
          'NOT_FOUND',
          `no route ${request.method} ${redactUrlForLog(request.url.split('?')[0] ?? '')}`,
        ).toBody(),
      );
  });

  // ---- metrics ----
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // ---- authentication ----
  app.decorateRequest('session', null);
  const sessionCache = new Map<string, { session: SessionRow; cachedAt: number }>();
  async function sessionFor(token: string | undefined): Promise<SessionRow> {
    if (!token || token.length > 256) throw new ServerError('UNAUTHENTICATED', 'missing bearer token');
    const hash = hashToken(token);
    const key = toB64u(hash);
    const t = now();
    const cached = sessionCache.get(key);
    let session = cached && t - cached.cachedAt < SESSION_CACHE_TTL_MS ? cached.session : undefined;
    if (session === undefined) {
      session = await repository.session(hash);
      if (session === undefined) throw new ServerError('UNAUTHENTICATED', 'unknown or expired token');
      if (sessionCache.size >= SESSION_CACHE_MAX) sessionCache.clear();
      sessionCache.set(key, { session, cachedAt: t });
    }
    if (session.expiresAt < t) throw new ServerError('UNAUTHENTICATED', 'unknown or expired token');
    return session;
  }
  const authenticate = async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
    request.session = await sessionFor(match?.[1]);
  };
  const me = (request: FastifyRequest): SessionRow => request.session!;

  async function issueSession(
    tx: { insertSession: DeliveryRepository['insertSession'] },
    deviceId: string,
    accountId: string,
  ): Promise<{ token: string; expiresAt: number }> {
    const { token, hash } = newToken();
    const expiresAt = now() + config.sessionTtlMs;
    await tx.insertSession(hash, { deviceId, accountId, expiresAt });
    return { token, expiresAt };
  }

  function proof(
    body: { publicKey?: string; challenge: string; signature: string },
    purpose: AuthPurpose,
    publicKey: Uint8Array,
  ) {
    const signature = fromB64u(body.signature, 'signature');
    if (signature.length !== 64) throw new ServerError('VALIDATION_FAILED', 'signature must be 64 bytes');
    if (!verifyAuthSignature(publicKey, purpose, body.challenge, signature)) {
      throw new ServerError('BAD_SIGNATURE', `signature does not verify over the ${purpose} challenge`);
    }
  }
  function publicKeyOf(body: { publicKey: string }): Uint8Array {
    const key = fromB64u(body.publicKey, 'publicKey');
    if (key.length !== 32)
      throw new ServerError('VALIDATION_FAILED', 'publicKey must be a 32-byte Ed25519 key');
    return key;
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Safelight delivery server', version: '0.1.0', description: 'See docs/delivery.md' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  if (input.web) await app.register(webRoutes, { config: input.web });
  await app.register(safetyRoutes, { repository, writer, authenticate, now, config: input.safety });
  await app.register(surfaceRoutes, { repository, writer, blobs, authenticate, now, config: input.surfaces });
  await app.register(riskRoutes, { repository, writer, now, config: input.risk });
  await app.register(frictionRoutes, { repository, authenticate, now, safety: input.safety });
  const evidenceKey = await loadOrCreateSecret(config.dataDir, EVIDENCE_KEY_FILE);
  const vault = new EvidenceVault(evidenceKey);
  await app.register(reportRoutes, {
    repository,
    writer,
    authenticate,
    frankingKey,
    vault,
    evidenceFiles: new EvidenceFiles(join(config.dataDir, 'evidence'), evidenceKey),
    blobs,
    now,
    config: input.moderation,
  });

  // Blobs: the body is streamed to disk, never buffered.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  // ---- operations ----
  app.get('/healthz', { schema: { tags: ['operations'] } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['operations'] } }, async () => {
    try {
      await repository.ping();
    } catch (error) {
      throw new ServerError('STORAGE_UNAVAILABLE', 'the database does not answer', {}, { cause: error });
    }
    return { status: 'ready' };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/v1/franking/keys', { schema: { tags: ['franking'] } }, async () => ({
    keys: [{ keyId: frankingKey.keyId, current: true, notAfter: null }],
  }));

  // ---- authentication ----
  app.post('/v1/auth/challenge', { schema: { tags: ['auth'] } }, async () => {
    const challenge = newChallenge();
    const expiresAt = now() + CHALLENGE_TTL_MS;
    await writer.submit((tx) => tx.insertChallenge(challenge, expiresAt));
    return { challenge, expiresAt };
  });

  const proofProps = { challenge: b64u(64), signature: b64u(128) };
  app.post<{ Body: { handle: string; publicKey: string; challenge: string; signature: string } }>(
    '/v1/accounts',
    {
      schema: {
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['handle', 'publicKey', 'challenge', 'signature'],
          properties: { handle: handleSchema, publicKey: b64u(64), ...proofProps },
        },
        response: { 409: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const publicKey = publicKeyOf(body);
      proof(body, 'register', publicKey);
      const deviceId = deviceIdOf(publicKey);
      const result = await writer.submit(async (tx) => {
        if (await tx.accountByHandle(body.handle))
          throw new ServerError('HANDLE_TAKEN', `handle ${body.handle} is taken`);
        if (await tx.device(deviceId))
          throw new ServerError('DEVICE_EXISTS', 'publicKey is already registered');
        if (!(await tx.consumeChallenge(body.challenge, now()))) {
          throw new ServerError('CHALLENGE_INVALID', 'challenge is unknown, expired or already used');
        }
        const accountId = newAccountId();
        const t = now();
        await tx.insertAccount({ accountId, handle: body.handle, createdAt: t });
        await tx.insertDevice({ deviceId, accountId, publicKey, createdAt: t });
        const { token } = await issueSession(tx, deviceId, accountId);
        return { accountId, deviceId, token };
      });
      reply.status(201);
      return result;
    },
  );

  app.post<{ Body: { deviceId: string; challenge: string; signature: string } }>(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['deviceId', 'challenge', 'signature'],
          properties: { deviceId: deviceIdSchema, ...proofProps },
        },
      },
    },
    async (request) => {
      const body = request.body;
      const device = await repository.device(body.deviceId);
      if (device === undefined) throw new ServerError('DEVICE_NOT_FOUND', `no device ${body.deviceId}`);
      proof(body, 'login', device.publicKey);
      return writer.submit(async (tx) => {
        if (!(await tx.consumeChallenge(body.challenge, now()))) {
          throw new ServerError('CHALLENGE_INVALID', 'challenge is unknown, expired or already used');
        }
        return issueSession(tx, device.deviceId, device.accountId);
      });
    },
  );

  app.post<{ Body: { publicKey: string; challenge: string; signature: string } }>(
    '/v1/devices',
    {
      onRequest: authenticate,
      schema: {
        tags: ['auth'],
        security: bearer,
        body: {
          type: 'object',
          required: ['publicKey', 'challenge', 'signature'],
          properties: { publicKey: b64u(64), ...proofProps },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { accountId } = me(request);
      const publicKey = publicKeyOf(body);
      proof(body, 'register', publicKey);
      const deviceId = deviceIdOf(publicKey);
      const result = await writer.submit(async (tx) => {
        if (await tx.device(deviceId))
          throw new ServerError('DEVICE_EXISTS', 'publicKey is already registered');
        if (!(await tx.consumeChallenge(body.challenge, now()))) {
          throw new ServerError('CHALLENGE_INVALID', 'challenge is unknown, expired or already used');
        }
        await tx.insertDevice({ deviceId, accountId, publicKey, createdAt: now() });
        const { token } = await issueSession(tx, deviceId, accountId);
        return { accountId, deviceId, token };
      });
      reply.status(201);
      return result;
    },
  );

  // ---- directory and key packages ----
  app.get<{ Params: { handle: string } }>(
    '/v1/accounts/by-handle/:handle',
    {
      onRequest: authenticate,
      schema: {
        tags: ['directory'],
        security: bearer,
        params: { type: 'object', required: ['handle'], properties: { handle: handleSchema } },
      },
    },
    async (request) => {
      const account = await repository.accountByHandle(request.params.handle);
      if (account === undefined)
        throw new ServerError('ACCOUNT_NOT_FOUND', `no account with handle ${request.params.handle}`);
      const devices = await repository.devicesOfAccount(account.accountId);
      return {
        accountId: account.accountId,
        handle: account.handle,
        devices: devices.map((d) => d.deviceId),
      };
    },
  );

  /** The handle of an account id (for showing who a contact, request or sender is). */
  app.get<{ Params: { accountId: string } }>(
    '/v1/accounts/:accountId',
    {
      onRequest: authenticate,
      schema: {
        tags: ['directory'],
        security: bearer,
        params: {
          type: 'object',
          required: ['accountId'],
          properties: { accountId: accountIdSchema },
        },
      },
    },
    async (request) => {
      const account = await repository.accountById(request.params.accountId);
      if (account === undefined)
        throw new ServerError('ACCOUNT_NOT_FOUND', `no account ${request.params.accountId}`);
      return { accountId: account.accountId, handle: account.handle };
    },
  );

  app.post<{ Body: { keyPackages: string[] } }>(
    '/v1/key-packages',
    {
      onRequest: authenticate,
      schema: {
        tags: ['key packages'],
        security: bearer,
        body: {
          type: 'object',
          required: ['keyPackages'],
          properties: { keyPackages: { type: 'array', minItems: 1, maxItems: 100, items: b64u(16384) } },
        },
      },
    },
    async (request) => {
      const { deviceId } = me(request);
      const device = await repository.device(deviceId);
      if (device === undefined) throw new ServerError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
      const packages = request.body.keyPackages.map((text, i) => {
        const bytes = fromB64u(text, `keyPackages[${i}]`);
        checkKeyPackage(bytes, device.publicKey, `keyPackages[${i}]`);
        return bytes;
      });
      return writer.submit(async (tx) => {
        const stored = await tx.countKeyPackages(deviceId);
        if (stored + packages.length > limits.keyPackagesPerDevice) {
          throw new ServerError(
            'KEY_PACKAGE_LIMIT',
            `keyPackages: ${stored} stored + ${packages.length} would exceed ${limits.keyPackagesPerDevice} per device`,
            { stored, limit: limits.keyPackagesPerDevice },
          );
        }
        await tx.insertKeyPackages(deviceId, packages, now());
        return { stored: stored + packages.length };
      });
    },
  );

  app.post<{ Body: { accountId: string } }>(
    '/v1/key-packages/claim',
    {
      onRequest: authenticate,
      schema: {
        tags: ['key packages'],
        security: bearer,
        body: { type: 'object', required: ['accountId'], properties: { accountId: accountIdSchema } },
      },
    },
    async (request) =>
      writer.submit(async (tx) => {
        const { accountId } = request.body;
        if (!(await tx.accountById(accountId)))
          throw new ServerError('ACCOUNT_NOT_FOUND', `no account ${accountId}`);
        const devices = await tx.devicesOfAccount(accountId);
        const exhausted: string[] = [];
        for (const d of devices)
          if ((await tx.countKeyPackages(d.deviceId)) === 0) exhausted.push(d.deviceId);
        if (exhausted.length > 0) {
          throw new ServerError(
            'KEY_PACKAGES_EXHAUSTED',
            `no key packages left for devices ${exhausted.join(', ')}`,
            {
              devices: exhausted,
            },
          );
        }
        const keyPackages: Array<{ deviceId: string; keyPackage: string }> = [];
        for (const d of devices) {
          keyPackages.push({
            deviceId: d.deviceId,
            keyPackage: toB64u((await tx.takeKeyPackage(d.deviceId))!),
          });
        }
        return { keyPackages };
      }),
  );

  // ---- groups ----
  function groupIdBytes(text: string, field: string): Uint8Array {
    const bytes = fromB64u(text, field);
    if (bytes.length > 64) throw new ServerError('VALIDATION_FAILED', `${field} must be at most 64 bytes`);
    return bytes;
  }

  app.post<{ Body: { groupId: string } }>(
    '/v1/groups',
    {
      onRequest: authenticate,
      schema: {
        tags: ['groups'],
        security: bearer,
        body: { type: 'object', required: ['groupId'], properties: { groupId: b64u(86) } },
      },
    },
    async (request, reply) => {
      const { deviceId, accountId } = me(request);
      const groupId = request.body.groupId;
      groupIdBytes(groupId, 'groupId');
      const result = await writer.submit(async (tx) => {
        if (await tx.group(groupId)) throw new ServerError('GROUP_EXISTS', `group ${groupId} exists`);
        await tx.insertGroup({ groupId, epoch: 0, nextSeq: 1 }, now());
        await tx.addMembers(groupId, [{ deviceId, accountId }]);
        // Who started it (metadata for the risk engine's conversation-burst signals).
        await conversationQueries(tx).recordOrigin(groupId, accountId, now());
        return { groupId, epoch: 0 };
      });
      reply.status(201);
      return result;
    },
  );

  app.get<{ Params: { groupId: string } }>(
    '/v1/groups/:groupId',
    { onRequest: authenticate, schema: { tags: ['groups'], security: bearer, params: groupIdParam } },
    async (request) => {
      const { groupId } = request.params;
      const group = await repository.group(groupId);
      if (group === undefined) throw new ServerError('GROUP_NOT_FOUND', `no group ${groupId}`);
      const members = await repository.members(groupId);
      if (!members.some((m) => m.deviceId === me(request).deviceId)) {
        throw new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
      }
      return { groupId, epoch: group.epoch, members };
    },
  );

  /** Checks framing shared by commits and application messages; returns the franking-relevant parts. */
  function framedFor(
    bytes: Uint8Array,
    field: string,
    groupId: Uint8Array,
    contentType: 'commit' | 'application',
  ) {
    if (bytes.length > limits.messageBytes) {
      throw new ServerError('MESSAGE_TOO_LARGE', `${field} is over the ${limits.messageBytes}-byte limit`, {
        limit: limits.messageBytes,
      });
    }
    const framing = inspect(bytes, field);
    if (framing.wireFormat !== 'public' && framing.wireFormat !== 'private') {
      throw new ServerError(
        'WRONG_CONTENT_TYPE',
        `${field} is a ${framing.wireFormat} message, not a framed ${contentType}`,
      );
    }
    if (framing.contentType !== contentType) {
      throw new ServerError(
        'WRONG_CONTENT_TYPE',
        `${field} carries a ${framing.contentType}, not a ${contentType}`,
      );
    }
    if (Buffer.compare(framing.groupId, groupId) !== 0) {
      throw new ServerError('GROUP_MISMATCH', `${field} belongs to another group than the URL names`);
    }
    return framing;
  }

  const digestOf = (...parts: Array<string | Uint8Array | null>): Uint8Array => {
    const hash = createHash('sha256');
    for (const part of parts) {
      const bytes = part === null ? new Uint8Array() : typeof part === 'string' ? Buffer.from(part) : part;
      const length = Buffer.alloc(5);
      length.writeUInt32BE(bytes.length, 0);
      length[4] = part === null ? 0 : 1;
      hash.update(length).update(bytes);
    }
    return new Uint8Array(hash.digest());
  };

  /** Idempotency: the stored answer for a retry, MESSAGE_ID_REUSED for a clash, undefined if new. */
  async function previousAnswer(
    tx: { message: DeliveryRepository['message'] },
    groupId: string,
    messageId: string,
    deviceId: string,
    digest: Uint8Array,
  ): Promise<Record<string, unknown> | undefined> {
    const previous = await tx.message(groupId, messageId);
    if (previous === undefined) return undefined;
    if (previous.senderDeviceId !== deviceId || Buffer.compare(previous.digest, digest) !== 0) {
      throw new ServerError(
        'MESSAGE_ID_REUSED',
        `messageId ${messageId} was already used in this group for another message`,
      );
    }
    return { ...JSON.parse(previous.answer), duplicate: true };
  }

  app.post<{
    Params: { groupId: string };
    Body: {
      messageId: string;
      commit: string;
      welcome?: string;
      addDevices?: string[];
      removeDevices?: string[];
    };
  }>(
    '/v1/groups/:groupId/commits',
    {
      onRequest: authenticate,
      schema: {
        tags: ['groups'],
        security: bearer,
        params: groupIdParam,
        body: {
          type: 'object',
          required: ['messageId', 'commit'],
          properties: {
            messageId: messageIdSchema,
            commit: b64u(2 * limits.messageBytes),
            welcome: b64u(2 * limits.messageBytes),
            addDevices: { type: 'array', maxItems: 1000, uniqueItems: true, items: deviceIdSchema },
            removeDevices: { type: 'array', maxItems: 1000, uniqueItems: true, items: deviceIdSchema },
          },
        },
      },
    },
    async (request) => {
      const { deviceId, accountId } = me(request);
      const { groupId } = request.params;
      const body = request.body;
      const groupBytes = groupIdBytes(groupId, 'groupId');
      const commit = fromB64u(body.commit, 'commit');
      const framing = framedFor(commit, 'commit', groupBytes, 'commit');
      const addDevices = body.addDevices ?? [];
      const removeDevices = body.removeDevices ?? [];
      let welcome: Uint8Array | null = null;
      if (body.welcome !== undefined) {
        welcome = fromB64u(body.welcome, 'welcome');
        if (welcome.length > limits.messageBytes) {
          throw new ServerError('MESSAGE_TOO_LARGE', `welcome is over the ${limits.messageBytes}-byte limit`);
        }
        if (inspect(welcome, 'welcome').wireFormat !== 'welcome') {
          throw new ServerError('WRONG_CONTENT_TYPE', 'welcome is not an MLS Welcome message');
        }
      }
      if (addDevices.length > 0 !== (welcome !== null)) {
        throw new ServerError(
          'VALIDATION_FAILED',
          'welcome is required exactly when addDevices is non-empty',
        );
      }
      if (addDevices.some((d) => removeDevices.includes(d))) {
        throw new ServerError('VALIDATION_FAILED', 'addDevices and removeDevices overlap');
      }
      const digest = digestOf('commit', commit, welcome, addDevices.join(','), removeDevices.join(','));
      return writer.submit(async (tx, ctx) => {
        const group = await tx.group(groupId);
        if (group === undefined) throw new ServerError('GROUP_NOT_FOUND', `no group ${groupId}`);
        const previous = await previousAnswer(tx, groupId, body.messageId, deviceId, digest);
        if (previous) return previous;
        const members = await tx.members(groupId);
        if (!members.some((m) => m.deviceId === deviceId)) {
          throw new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
        }
        if (BigInt(group.epoch) !== framing.epoch) {
          throw new ServerError(
            'WRONG_EPOCH',
            `commit is for epoch ${framing.epoch}, the group is at ${group.epoch}`,
            {
              currentEpoch: group.epoch,
            },
          );
        }
        const memberIds = new Set(members.map((m) => m.deviceId));
        const added = [];
        for (const id of addDevices) {
          if (memberIds.has(id))
            throw new ServerError('ALREADY_MEMBER', `addDevices: ${id} is already a member`);
          const device = await tx.device(id);
          if (device === undefined) throw new ServerError('DEVICE_NOT_FOUND', `addDevices: no device ${id}`);
          added.push({ deviceId: id, accountId: device.accountId });
        }
        for (const id of removeDevices) {
          if (!memberIds.has(id))
            throw new ServerError('NOT_A_MEMBER', `removeDevices: ${id} is not a member`);
        }
        const receivedAt = now();
        const seq = group.nextSeq;
        const epoch = group.epoch + 1;
        const answer = { seq, epoch };
        const base = {
          groupId,
          messageId: body.messageId,
          senderAccountId: accountId,
          senderDeviceId: deviceId,
          receivedAt,
          frank: null,
        };
        const items: NewInboxItem[] = [];
        for (const m of members)
          if (m.deviceId !== deviceId)
            items.push({ ...base, deviceId: m.deviceId, kind: 'commit', payload: commit });
        for (const a of added)
          items.push({ ...base, deviceId: a.deviceId, kind: 'welcome', payload: welcome! });
        await tx.updateGroup({ groupId, epoch, nextSeq: seq + 1 });
        await tx.removeMembers(groupId, removeDevices);
        await tx.addMembers(groupId, added);
        const others = new Set(added.map((a) => a.accountId).filter((a) => a !== accountId));
        await conversationQueries(tx).recordAdds(groupId, accountId, [...others], receivedAt);
        await tx.insertMessage({
          groupId,
          messageId: body.messageId,
          kind: 'commit',
          senderDeviceId: deviceId,
          digest,
          answer: JSON.stringify(answer),
          receivedAt,
        });
        const seqs = await tx.appendInbox(items);
        ctx.afterCommit(() => {
          metrics.accepted.inc({ kind: 'commit' });
          hub.notify(items.map((item, i) => ({ ...item, seq: seqs[i]! })));
        });
        return answer;
      });
    },
  );

  app.post<{ Params: { groupId: string }; Body: { messageId: string; message: string } }>(
    '/v1/groups/:groupId/messages',
    {
      onRequest: authenticate,
      schema: {
        tags: ['messages'],
        security: bearer,
        params: groupIdParam,
        body: {
          type: 'object',
          required: ['messageId', 'message'],
          properties: { messageId: messageIdSchema, message: b64u(2 * limits.messageBytes) },
        },
      },
    },
    async (request) =>
      acceptApplicationMessage(
        me(request),
        request.params.groupId,
        request.body.messageId,
        request.body.message,
      ),
  );

  /**
   * An application message from a member (HTTP POST or the WebSocket "send" frame): framing checks,
   * then one group-commit write that checks membership and epoch, stamps the frank and fans out.
   */
  function acceptApplicationMessage(
    session: { deviceId: string; accountId: string },
    groupId: string,
    messageId: string,
    messageB64: string,
  ): Promise<Record<string, unknown>> {
    const { deviceId, accountId } = session;
    const groupBytes = groupIdBytes(groupId, 'groupId');
    const message = fromB64u(messageB64, 'message');
    const framing = framedFor(message, 'message', groupBytes, 'application');
    const tag = framing.authenticatedData;
    if (tag.length !== 32) {
      throw new ServerError(
        'MISSING_FRANKING_TAG',
        `message: authenticated data must be exactly the 32-byte franking tag, found ${tag.length} bytes`,
      );
    }
    const digest = digestOf('application', message);
    return writer.submit(async (tx, ctx) => {
      const group = await tx.group(groupId);
      if (group === undefined) throw new ServerError('GROUP_NOT_FOUND', `no group ${groupId}`);
      const members = await tx.members(groupId); // group and roster come from the writer's cache
      let refusal: ServerError | undefined;
      if (!members.some((m) => m.deviceId === deviceId)) {
        refusal = new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
      } else if (BigInt(group.epoch) !== framing.epoch) {
        refusal = new ServerError(
          'WRONG_EPOCH',
          `message is for epoch ${framing.epoch}, the group is at ${group.epoch}`,
          { currentEpoch: group.epoch },
        );
      }
      if (refusal) {
        // A retry of a message accepted before the epoch moved (or before a removal) still gets
        // its original answer: idempotency wins over the refusal.
        const previous = await previousAnswer(tx, groupId, messageId, deviceId, digest);
        if (previous) return previous;
        throw refusal;
      }
      const receivedAt = now();
      const frank = encodeFrank(
        stampFrankWithCurrentKey({
          tag,
          senderId: accountId,
          conversationId: groupId,
          messageId,
          receivedAt,
        }),
      );
      const seq = group.nextSeq;
      const answer = { seq, receivedAt, frank: toB64u(frank) };
      // The idempotency check and the record in one statement: a message id seen before inserts
      // nothing, and the stored answer (or MESSAGE_ID_REUSED) is returned with no write made.
      const isNew = await tx.insertMessageIfNew({
        groupId,
        messageId,
        kind: 'application',
        senderDeviceId: deviceId,
        digest,
        answer: JSON.stringify(answer),
        receivedAt,
      });
      if (!isNew) {
        const previous = await previousAnswer(tx, groupId, messageId, deviceId, digest);
        if (previous) return previous;
        throw new ServerError('STORAGE_FAILED', 'message id conflict without a stored message');
      }
      const items: NewInboxItem[] = [];
      for (const m of members) {
        if (m.deviceId === deviceId) continue;
        items.push({
          deviceId: m.deviceId,
          kind: 'application',
          groupId,
          messageId,
          senderAccountId: accountId,
          senderDeviceId: deviceId,
          payload: message,
          receivedAt,
          frank,
        });
      }
      await tx.updateGroup({ groupId, epoch: group.epoch, nextSeq: seq + 1 });
      const seqs = await tx.appendInbox(items);
      ctx.afterCommit(() => {
        metrics.accepted.inc({ kind: 'application' });
        hub.notify(items.map((item, i) => ({ ...item, seq: seqs[i]! })));
      });
      return answer;
    });
  }

  // ---- inbox ----
  app.get<{ Querystring: { after?: number; limit?: number } }>(
    '/v1/inbox',
    {
      onRequest: authenticate,
      schema: {
        tags: ['inbox'],
        security: bearer,
        querystring: {
          type: 'object',
          properties: {
            after: { type: 'integer', minimum: 0, default: 0 },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: limits.inboxPage,
              default: Math.min(100, limits.inboxPage),
            },
          },
        },
      },
    },
    async (request) => {
      const after = request.query.after ?? 0;
      const limit = request.query.limit ?? Math.min(100, limits.inboxPage);
      const rows = await repository.inbox(me(request).deviceId, after, limit + 1);
      return { items: rows.slice(0, limit).map(itemJson), hasMore: rows.length > limit };
    },
  );

  app.post<{ Body: { upTo: number } }>(
    '/v1/inbox/ack',
    {
      onRequest: authenticate,
      schema: {
        tags: ['inbox'],
        security: bearer,
        body: { type: 'object', required: ['upTo'], properties: { upTo: { type: 'integer', minimum: 0 } } },
      },
    },
    async (request) => {
      const { deviceId } = me(request);
      const deleted = await writer.submit((tx) => tx.ack(deviceId, request.body.upTo));
      return { deleted };
    },
  );

  app.get<{ Querystring: { token?: string } }>(
    '/v1/ws',
    {
      websocket: true,
      onRequest: async (request: FastifyRequest<{ Querystring: { token?: string } }>) => {
        request.session = await sessionFor((request.query as { token?: string }).token);
      },
      schema: {
        tags: ['inbox'],
        description:
          'WebSocket. Client frames: {type:"subscribe",after}, {type:"ack",upTo} and {type:"send",groupId,messageId,message}. Server frames: {type:"items",items}, {type:"acked",upTo,deleted}, {type:"sent",messageId,seq,receivedAt,frank}, {type:"send-error",messageId,error} and {type:"error",error}.',
        querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 256 } } },
      },
    },
    (socket, request) => {
      const { deviceId } = me(request);
      const sub = hub.add(deviceId, socket);
      const fail = (code: string, message: string) =>
        socket.send(JSON.stringify({ type: 'error', error: { code, message } }));
      socket.on('close', () => hub.remove(sub));
      // The same application-message path as POST /v1/groups/:groupId/messages, without an HTTP
      // request per message: {type:"send",groupId,messageId,message} answered by
      // {type:"sent",messageId,seq,receivedAt,frank} or {type:"send-error",messageId,error}.
      const sendOverSocket = (frame: Record<string, unknown>) => {
        const { groupId, messageId, message } = frame;
        const refuse = (code: string, text: string) =>
          socket.send(JSON.stringify({ type: 'send-error', messageId, error: { code, message: text } }));
        if (typeof messageId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(messageId)) {
          return refuse('VALIDATION_FAILED', 'messageId must match ^[A-Za-z0-9_-]{8,64}$');
        }
        if (typeof groupId !== 'string' || !/^[A-Za-z0-9_-]{1,86}$/.test(groupId)) {
          return refuse('VALIDATION_FAILED', 'groupId must be b64u, at most 64 bytes');
        }
        if (typeof message !== 'string' || message.length > 2 * limits.messageBytes) {
          return refuse('VALIDATION_FAILED', 'message must be a b64u string within the message limit');
        }
        let accepted: Promise<Record<string, unknown>>;
        try {
          accepted = acceptApplicationMessage(me(request), groupId, messageId, message);
        } catch (error) {
          accepted = Promise.reject(error);
        }
        accepted.then(
          (answer) => sendBatched(socket, JSON.stringify({ type: 'sent', messageId, ...answer })),
          (error: unknown) =>
            error instanceof ServerError
              ? refuse(error.code, error.message)
              : refuse('INTERNAL', 'the message could not be accepted'),
        );
      };
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        let frame: { type?: unknown; after?: unknown; upTo?: unknown };
        try {
          if (isBinary) throw new Error('binary');
          frame = JSON.parse(data.toString('utf8'));
        } catch {
          fail('INVALID_JSON', 'frame is not a JSON object');
          return;
        }
        if (frame?.type === 'subscribe') {
          const after = frame.after ?? 0;
          if (!Number.isSafeInteger(after) || (after as number) < 0) {
            fail('VALIDATION_FAILED', 'after must be an integer >= 0');
            return;
          }
          hub.subscribe(sub, after as number);
        } else if (frame?.type === 'ack') {
          const upTo = frame.upTo;
          if (!Number.isSafeInteger(upTo) || (upTo as number) < 0) {
            fail('VALIDATION_FAILED', 'upTo must be an integer >= 0');
            return;
          }
          writer
            .submit((tx) => tx.ack(deviceId, upTo as number))
            .then(
              (deleted) => socket.send(JSON.stringify({ type: 'acked', upTo, deleted })),
              (error: unknown) =>
                fail(error instanceof ServerError ? error.code : 'INTERNAL', 'acknowledgement failed'),
            );
        } else if (frame?.type === 'send') {
          sendOverSocket(frame as Record<string, unknown>);
        } else {
          fail('VALIDATION_FAILED', 'type must be "subscribe", "ack" or "send"');
        }
      });
    },
  );

  // ---- blobs ----
  app.post(
    '/v1/blobs',
    {
      onRequest: authenticate,
      bodyLimit: limits.blobBytes,
      config: { blob: true },
      schema: { tags: ['blobs'], security: bearer, consumes: ['application/octet-stream'] },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.blobBytes) {
        throw new ServerError('BLOB_TOO_LARGE', `blob is over the ${limits.blobBytes}-byte limit`, {
          limit: limits.blobBytes,
        });
      }
      const body = request.body as AsyncIterable<Uint8Array> | undefined;
      if (
        body === undefined ||
        body === null ||
        typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function'
      ) {
        throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'blob body must be application/octet-stream');
      }
      const result = await blobs.put(body);
      reply.status(201);
      return result;
    },
  );

  app.get<{ Params: { blobId: string } }>(
    '/v1/blobs/:blobId',
    {
      onRequest: authenticate,
      schema: {
        tags: ['blobs'],
        security: bearer,
        params: {
          type: 'object',
          required: ['blobId'],
          properties: { blobId: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
      },
    },
    async (request, reply) => {
      const blob = await blobs.get(request.params.blobId);
      reply.header('content-type', 'application/octet-stream').header('content-length', blob.size);
      return reply.send(blob.stream);
    },
  );

  // ---- detection (last: a mode may start processes or worker threads, stopped again on failure) ----
  let detection:
    | { readonly mode: string; readonly notes: readonly string[]; close(): Promise<void> }
    | undefined;
  try {
    const detectionMode: ServerDetectionMode | undefined = input.detection
      ? await createDetectionMode(input.detection, {
          devicePublicKeys: async (accountId) =>
            (await repository.devicesOfAccount(accountId)).map((device) => device.publicKey),
          secret: (fileName) => loadOrCreateSecret(config.dataDir, fileName),
        })
      : undefined;
    detection = detectionMode && {
      mode: detectionMode.name,
      notes: detectionMode.notes,
      close: () => detectionMode.close(),
    };
    await app.register(detectionRoutes, {
      mode: detectionMode,
      authenticate,
      messageSentBy: async (conversationId, messageId, deviceId) => {
        const sent = await repository.message(conversationId, messageId);
        return sent?.kind === 'application' && sent.senderDeviceId === deviceId;
      },
      recordVerdicts: async (accountId, verdicts) => {
        const at = now();
        await writer.submit(async (tx) => {
          for (const verdict of verdicts) {
            // psi-threshold can reveal earlier messages at once (when t is reached): name each
            // verdict's own message, not the one whose payload completed the threshold.
            const { conversationId, messageId } = verdict.context;
            const where = [verdict.bankName, verdict.bankEntryId].filter(Boolean).join('/');
            await recordMatch(tx, {
              subjectAccountId: accountId,
              at,
              source: verdict.mode === 'server-plaintext' ? 'hash-match' : 'mode',
              detail: `${verdict.mode}: ${conversationId}/${messageId}${where ? ` matched ${where}` : ''}${verdict.distance === undefined ? '' : ` at distance ${verdict.distance}`}`,
              audit: { mode: verdict.mode },
            });
          }
        });
      },
      // TEMPORARY (det-modes branch): the repository does not expose its Kysely handle yet; the
      // server context will pass it (or a transaction) to KyselyChallengeStore directly. The
      // store's sweep(now) belongs in the housekeeping timer below.
      challenges: new KyselyChallengeStore((repository as unknown as { db: Kysely<DetectionDatabase> }).db),
      now,
    });
    await app.ready();
  } catch (error) {
    await detection?.close();
    await repository.close();
    throw error;
  }

  // Housekeeping: expired challenges and sessions, once a minute.
  const sweeper = setInterval(() => {
    writer.submit((tx) => tx.deleteExpired(now())).catch(() => {});
  }, 60_000);
  sweeper.unref();

  let url: string | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    repository,
    frankingKey,
    get url() {
      return url;
    },
    detection: detection && { mode: detection.mode, notes: detection.notes },
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      const port = (app.server.address() as { port: number }).port;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      void address;
      return url;
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        hub.closeAll();
        await app.close();
        await writer.close();
        await detection?.close();
        await repository.close();
      })();
      return closing;
    },
  };
}

/** createServer + listen: resolves once the server accepts connections. */
export async function startServer(config: ServerConfig = {}): Promise<DeliveryServer> {
  const server = await createServer(config);
  try {
    await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

export type { InboxItem };
