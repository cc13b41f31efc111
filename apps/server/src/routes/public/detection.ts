import { detection } from '@safelight/api';
import { fromContract } from '../../http.js';
import type { RouteModule } from '../route.js';

/**
 * What a device downloads to build the mode's client half, or `{ mode: null }` when the platform
 * runs none (or provisions devices some other way); public, since the browser app reads it before
 * signing in. Plus the mode's own public routes (the PSI table).
 */
export const detectionDownload: RouteModule = async (app, ctx) => {
  app.route({
    ...fromContract(detection.deviceDownload, ['detection'], false),
    handler: async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return ctx.detection?.download ?? { mode: null as null };
    },
  });
  await ctx.detection?.routes?.public?.(app);
};
