// The Fastify instance around the routes: logging without secrets, RFC 9457 errors, metrics per
// route, OpenAPI from the route schemas, and the rule that every route declares a response schema
// (it both documents and filters what leaves the server: a field a service adds is dropped unless
// the contract lists it).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Problem, type RouteContract } from '@safelight/api';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
  type RouteOptions,
} from 'fastify';
import type { ResolvedConfig } from './config.js';
import { ServerError } from './errors.js';
import type { ServerMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is a blob stream (its size error is BLOB_TOO_LARGE). */
    blob?: boolean;
  }
}

/** The Fastify instance with TypeBox typing of requests and replies from the route schemas. */
export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Redacts the `token` query parameter (the WebSocket's bearer token) from a logged URL. */
export function redactUrlForLog(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

type Part<C, K extends string> = C extends { readonly [P in K]: infer S } ? S : undefined;

/** The route's Fastify options from its contract: validation, serialisation and OpenAPI. */
export function fromContract<const C extends RouteContract>(
  contract: C,
  tags: readonly string[],
  bearer = true,
) {
  const schema = {
    summary: contract.summary,
    tags: [...tags],
    ...(bearer ? { security: [{ bearer: [] }] } : {}),
    body: contract.body as Part<C, 'body'>,
    params: contract.params as Part<C, 'params'>,
    querystring: contract.querystring as Part<C, 'querystring'>,
    response: { ...contract.response, '4xx': Problem, '5xx': Problem } as C['response'] & {
      '4xx': typeof Problem;
      '5xx': typeof Problem;
    },
  };
  // Fastify reads a present-but-undefined part as a schema: leave absent parts out.
  for (const part of ['body', 'params', 'querystring'] as const)
    if (schema[part] === undefined) delete schema[part];
  return { method: contract.method, url: contract.url, schema };
}

export async function createHttp(config: ResolvedConfig, metrics: ServerMetrics): Promise<Api> {
  const { limits } = config;
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRoute', requireResponseSchema);

  app.setErrorHandler(
    (error: Error & { code?: string; statusCode?: number; validation?: unknown }, request, reply) => {
      let problem: ServerError;
      if (error instanceof ServerError) problem = error;
      else if (error.validation) {
        problem = new ServerError('VALIDATION_FAILED', error.message);
      } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const limit = request.routeOptions.bodyLimit ?? limits.messageBytes;
        problem = request.routeOptions.config.blob
          ? new ServerError('BLOB_TOO_LARGE', `blob is over the ${limits.blobBytes}-byte limit`, {
              limit: limits.blobBytes,
            })
          : new ServerError('MESSAGE_TOO_LARGE', `request body is over the ${limit}-byte limit`, { limit });
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
      reply.status(problem.status).type('application/problem+json').send(problem.toProblem());
    },
  );
  app.setNotFoundHandler((request, reply) => {
    const problem = new ServerError(
      'NOT_FOUND',
      `no route ${request.method} ${redactUrlForLog(request.url.split('?')[0] ?? '')}`,
    );
    reply.status(404).type('application/problem+json').send(problem.toProblem());
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Safelight server',
        version: '0.1.0',
        description: 'See docs/server.md and docs/delivery.md',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          staff: { type: 'http', scheme: 'Staff', description: 'Authorization: Staff <token>' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}

/**
 * Every route the API documents must say what it answers: a route without a response schema is
 * refused when it is registered, so the server cannot start with one. Hidden routes (the web app's
 * files, /metrics, /openapi.json, the docs UI) are not part of the API.
 */
function requireResponseSchema(route: RouteOptions): void {
  const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
  if (schema?.hide) return;
  if (route.url.startsWith('/docs')) return;
  if (route.method === 'HEAD' || (Array.isArray(route.method) && route.method.every((m) => m === 'HEAD')))
    return;
  const statuses = Object.keys(schema?.response ?? {});
  if (!statuses.some((s) => /^[123]\d\d$/.test(s))) {
    throw new Error(
      `route ${String(route.method)} ${route.url} has no response schema for its success answer`,
    );
  }
}
