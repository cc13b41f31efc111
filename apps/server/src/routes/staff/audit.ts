import { moderation } from '@safelight/api';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

/** The audit log and whether its hash chain holds (auditors and admins). */
export const audit: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.audit),
    handler: (request) => ctx.read().moderation.audit(staffOf(request)),
  });
};
