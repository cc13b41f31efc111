import { moderation } from '@safelight/api';
import { sweepExpiredEvidence } from '../../services/moderation/retention.js';
import { permit } from '../../services/moderation.js';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

/** Runs the retention sweep now (admins). */
export const retentionSweep: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.retentionSweep),
    handler: async (request) => {
      permit(staffOf(request), 'retention.sweep');
      return { swept: await sweepExpiredEvidence(ctx, ctx.now()) };
    },
  });
};
