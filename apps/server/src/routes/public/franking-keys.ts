import { accounts } from '@safelight/api';
import { fromContract } from '../../http.js';
import type { RouteModule } from '../route.js';

export const frankingKeys: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(accounts.frankingKeys, ['franking'], false),
    handler: async () => ({ keys: [{ keyId: ctx.frankingKey.keyId, current: true, notAfter: null }] }),
  });
};
