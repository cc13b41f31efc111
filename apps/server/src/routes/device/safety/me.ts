import { safety } from '@safelight/api';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

const tags = ['safety'];

export const safetyMe: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(safety.me, tags),
    handler: (request) => ctx.read().safety.me(sessionOf(request).accountId),
  });
};
