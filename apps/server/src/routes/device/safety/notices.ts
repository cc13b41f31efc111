import { safety } from '@safelight/api';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

/** Friction: safety notices for a minor about accounts they are in touch with (services/risk.ts). */
export const safetyNotices: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.notices, ['safety']),
    handler: (request) => ctx.read().risk.notices(sessionOf(request).accountId),
  });
};
