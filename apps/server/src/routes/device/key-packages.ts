import { delivery } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

const tags = ['key packages'];

export const uploadKeyPackages: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.uploadKeyPackages, tags),
    handler: (request) =>
      ctx.write((s) => s.delivery.uploadKeyPackages(sessionOf(request).deviceId, request.body.keyPackages)),
  });
};

export const claimKeyPackages: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.claimKeyPackages, tags),
    handler: (request) => ctx.write((s) => s.delivery.claimKeyPackages(request.body.accountId)),
  });
};
