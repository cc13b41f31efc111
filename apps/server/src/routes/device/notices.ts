import { reports } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

/** The decisions taken on the caller's account, each with a statement of reasons (EU DSA Art. 17). */
export const notices: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(reports.notices, ['reports']),
    handler: async (request) => ({
      notices: await ctx.read().moderation.notices(sessionOf(request).accountId),
    }),
  });
};
