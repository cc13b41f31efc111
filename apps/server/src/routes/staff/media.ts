import { moderation } from '@safelight/api';
import type { Services } from '../../services/services.js';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

/**
 * Reported media for moderators: blurred and greyscale by default (moderator wellbeing); the
 * original only with `?reveal=1`, which is recorded as a case event and in the audit log.
 */
export const caseFile: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.caseFile),
    handler: async (request, reply) => {
      const { caseId, reportId, file } = request.params;
      const reveal = request.query.reveal === '1';
      const open = (s: Services) => s.moderation.openFile(staffOf(request), caseId, reportId, file, reveal);
      const ref = reveal ? await ctx.write(open) : await open(ctx.read());
      const shown = await ctx.read().moderation.renderFile(ref, reveal);
      return reply.type(shown.mediaType).header('cache-control', 'no-store').send(shown.bytes);
    },
  });
};
