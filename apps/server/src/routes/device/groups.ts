import { delivery } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

const tags = ['groups'];

export const createGroup: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.createGroup, tags),
    handler: async (request, reply) => {
      const created = await ctx.write((s) =>
        s.delivery.createGroup(sessionOf(request), request.body.groupId),
      );
      return reply.status(201).send(created);
    },
  });
};

export const getGroup: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.getGroup, tags),
    handler: (request) => ctx.read().delivery.group(sessionOf(request), request.params.groupId),
  });
};

/** A commit: framing checked before the writer, then ordered against the group's epoch. */
export const postCommit: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.postCommit, tags),
    handler: (request) => {
      const checked = ctx.read().delivery.checkCommit({ ...request.body, groupId: request.params.groupId });
      return ctx.write((s) => s.delivery.commit(sessionOf(request), checked));
    },
  });
};
