import { moderation } from '@safelight/api';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

/** A case bundle for law enforcement (the export is audited). */
export const exportCase: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.exportCase),
    handler: (request) => ctx.write((s) => s.moderation.exportCase(staffOf(request), request.params.caseId)),
  });
};
