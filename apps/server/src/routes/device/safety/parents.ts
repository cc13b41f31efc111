import { safety } from '@safelight/api';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

const tags = ['safety'];

export const linkChild: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.linkChild, tags),
    handler: async (request, reply) => {
      const answer = await ctx.write((s) =>
        s.parents.link(sessionOf(request).accountId, request.body.accountId),
      );
      return reply.status(answer.state === 'invited' ? 201 : 200).send(answer);
    },
  });
};

export const acceptParentLink: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.acceptParentLink, tags),
    handler: (request) =>
      ctx.write((s) => s.parents.accept(sessionOf(request).accountId, request.body.accountId)),
  });
};

/** What a linked parent sees: that controls exist and what waits for approval, never content or contacts. */
export const children: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.children, tags),
    handler: (request) => ctx.read().parents.children(sessionOf(request).accountId),
  });
};

export const decideApproval: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.decideApproval, tags),
    handler: (request) =>
      ctx.write((s) =>
        s.parents.decide(sessionOf(request).accountId, request.params.approvalId, request.body.decision),
      ),
  });
};
