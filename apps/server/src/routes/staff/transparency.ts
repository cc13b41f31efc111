import { moderation } from '@safelight/api';
import { transparencyCsv, transparencySvg } from '@safelight/reporting';
import type { RouteModule } from '../route.js';
import { fromStaffContract, staffOf } from './staff.js';

/** Transparency counts for [from, to) as JSON, CSV or an SVG chart (auditors and admins). */
export const transparency: RouteModule = (app, ctx) => {
  app.route({
    ...fromStaffContract(moderation.transparency),
    handler: async (request, reply) => {
      const { from, to, format } = request.query;
      const report = await ctx.read().moderation.transparency(staffOf(request), {
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      });
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(transparencyCsv(report));
      if (format === 'svg') return reply.type('image/svg+xml').send(transparencySvg(report));
      return reply.type('application/json; charset=utf-8').send(report);
    },
  });
};
