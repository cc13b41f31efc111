import { delivery } from '@safelight/api';
import { ServerError } from '../../errors.js';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

const tags = ['inbox'];

export const inbox: RouteModule = (app, ctx) => {
  const maxPage = ctx.config.limits.inboxPage;
  app.route({
    ...fromContract(delivery.inbox, tags),
    handler: (request) => {
      const after = request.query.after ?? 0;
      const limit = request.query.limit ?? Math.min(100, maxPage);
      if (limit > maxPage)
        throw new ServerError('VALIDATION_FAILED', `querystring/limit must be <= ${maxPage}`);
      return ctx.read().delivery.inbox(sessionOf(request).deviceId, after, limit);
    },
  });
};

export const ackInbox: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.ackInbox, tags),
    handler: (request) => ctx.write((s) => s.delivery.ack(sessionOf(request).deviceId, request.body.upTo)),
  });
};
