import { safety } from '@safelight/api';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

const tags = ['safety'];

/** 200 applied, or 202 when a parent must approve it first. */
export const changeSetting: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.changeSetting, tags),
    handler: async (request, reply) => {
      const { key, value } = request.body;
      const result = await ctx.write((s) => s.safety.changeSetting(sessionOf(request).accountId, key, value));
      return result.status === 'pending' ? reply.status(202).send(result) : reply.status(200).send(result);
    },
  });
};

/** The age-assurance hook (its own I/O) runs on a read before the write, only for a band change. */
export const changeBirthDate: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.changeBirthDate, tags),
    handler: async (request) => {
      const { accountId } = sessionOf(request);
      const { dateOfBirth } = request.body;
      const assurance = await ctx.read().safety.assureBirthDate(accountId, dateOfBirth);
      return ctx.write((s) => s.safety.changeBirthDate(accountId, dateOfBirth, assurance));
    },
  });
};
