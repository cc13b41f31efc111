import { safety } from '@safelight/api';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

export const block: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.block, ['safety']),
    handler: (request) =>
      ctx.write((s) => s.contacts.block(sessionOf(request).accountId, request.body.accountId)),
  });
};
