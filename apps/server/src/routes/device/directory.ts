import { accounts } from '@safelight/api';
import { fromContract } from '../../http.js';
import type { RouteModule } from '../route.js';

const tags = ['directory'];

export const accountByHandle: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.accountByHandle, tags),
    handler: (request) => ctx.read().accounts.accountByHandle(request.params.handle),
  });
};

export const accountById: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.accountById, tags),
    handler: (request) => ctx.read().accounts.account(request.params.accountId),
  });
};
