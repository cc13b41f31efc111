import { accounts } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

/** Another device on the caller's account. */
export const addDevice: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.addDevice, ['auth']),
    handler: async (request, reply) => {
      const { publicKey, challenge, signature } = request.body;
      const checked = ctx.read().accounts.verifyNewDevice(sessionOf(request).accountId, {
        publicKey,
        proof: { challenge, signature },
      });
      return reply.status(201).send(await ctx.write((s) => s.accounts.addDevice(checked)));
    },
  });
};
