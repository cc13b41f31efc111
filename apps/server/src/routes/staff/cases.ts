import { moderation } from '@safelight/api';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

/** The queue: by priority and due time; escalated cases only for those who may open them. */
export const listCases: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.listCases),
    handler: async (request) => ({
      cases: await ctx.read().moderation.listCases(staffOf(request), request.query.status),
      now: ctx.now(),
    }),
  });
};

/** Opens a case (a `view` event and an audit entry, in one write). */
export const viewCase: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.viewCase),
    handler: (request) => ctx.write((s) => s.moderation.viewCase(staffOf(request), request.params.caseId)),
  });
};

export const postEvent: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.postEvent),
    handler: (request) =>
      ctx.write((s) => s.moderation.recordStaffEvent(staffOf(request), request.params.caseId, request.body)),
  });
};
