import { safety } from '@safelight/api';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

const tags = ['safety'];

/** A contact request: checked by the policy in the write that stores it. */
export const requestContact: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.requestContact, tags),
    handler: async (request, reply) => {
      const answer = await ctx.write((s) =>
        s.contacts.request(sessionOf(request).accountId, request.body.accountId),
      );
      return reply.status(answer.state === 'requested' ? 201 : 200).send(answer);
    },
  });
};

export const contactRequests: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.contactRequests, tags),
    handler: (request) => ctx.read().contacts.incoming(sessionOf(request).accountId),
  });
};

export const contacts: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.contacts, tags),
    handler: (request) => ctx.read().contacts.contacts(sessionOf(request).accountId),
  });
};

export const acceptContact: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.acceptContact, tags),
    handler: (request) =>
      ctx.write((s) => s.contacts.accept(sessionOf(request).accountId, request.body.accountId)),
  });
};

export const declineContact: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.declineContact, tags),
    handler: (request) =>
      ctx.write((s) => s.contacts.decline(sessionOf(request).accountId, request.body.accountId)),
  });
};
