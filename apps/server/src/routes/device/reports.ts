import { reports } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

/**
 * A user report: the reporter reveals messages they received; the server verifies each frank,
 * preserves the evidence (outside the writer), then opens or extends the subject's case.
 */
export const submitReport: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(reports.submitReport, ['reports']),
    handler: async (request, reply) => {
      const prepared = await ctx.read().moderation.prepareReport(sessionOf(request).accountId, request.body);
      const receipt = await ctx.write((s) => s.moderation.recordReport(prepared));
      return reply.status(201).send(receipt);
    },
  });
};
