import { reports } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

/** The subject of a decided case asks for review; a senior moderator can reverse. */
export const appeal: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(reports.appeal, ['reports']),
    handler: async (request, reply) => {
      const { caseId, text } = request.body;
      const answer = await ctx.write((s) => s.moderation.appeal(sessionOf(request).accountId, caseId, text));
      return reply.status(201).send(answer);
    },
  });
};
