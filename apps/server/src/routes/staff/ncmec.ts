import { moderation } from '@safelight/api';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

export const ncmecRecord: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.ncmecRecord),
    handler: async (request) => ({
      record: (await ctx.read().moderation.ncmecRecord(staffOf(request), request.params.caseId)) ?? null,
    }),
  });
};

/** Files (or resumes filing) the case with the CyberTipline; never submits twice. */
export const fileNcmec: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.fileNcmec),
    handler: async (request) => ({
      record: (await ctx.read().moderation.fileWithNcmec(staffOf(request), request.params.caseId)) ?? null,
    }),
  });
};
