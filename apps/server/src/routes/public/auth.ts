import { accounts } from '@safelight/api';
import { fromContract } from '../../http.js';
import type { RouteModule } from '../route.js';

const tags = ['auth'];

export const authChallenge: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.authChallenge, tags, false),
    handler: () => ctx.write((s) => s.accounts.issueChallenge()),
  });
};

/** Sign up: the proof is checked before the writer; account, device, session and profile in one write. */
export const createAccount: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.createAccount, tags, false),
    handler: async (request, reply) => {
      const { handle, publicKey, dateOfBirth, challenge, signature } = request.body;
      const checked = ctx
        .read()
        .accounts.verifySignUp({ handle, publicKey, dateOfBirth, proof: { challenge, signature } });
      const session = await ctx.write((s) => s.accounts.signUp(checked));
      return reply.status(201).send(session);
    },
  });
};

export const login: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.login, tags, false),
    handler: async (request) => {
      const { deviceId, challenge, signature } = request.body;
      const checked = await ctx.read().accounts.verifyLogIn({ deviceId, proof: { challenge, signature } });
      return ctx.write((s) => s.accounts.logIn(checked));
    },
  });
};
