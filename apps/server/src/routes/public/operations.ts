import { accounts } from '@safelight/api';
import { ServerError } from '../../errors.js';
import { fromContract } from '../../http.js';
import type { RouteModule } from '../route.js';

/** Liveness, readiness, Prometheus metrics and the OpenAPI document. */
export const operations: RouteModule = (app, ctx) => {
  const tags = ['operations'];
  app.route({
    ...fromContract(accounts.health, tags, false),
    handler: async () => ({ status: 'ok' as const }),
  });
  app.route({
    ...fromContract(accounts.ready, tags, false),
    handler: async () => {
      try {
        await ctx.repository.ping();
      } catch (error) {
        throw new ServerError('STORAGE_UNAVAILABLE', 'the database does not answer', {}, { cause: error });
      }
      return { status: 'ready' as const };
    },
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
