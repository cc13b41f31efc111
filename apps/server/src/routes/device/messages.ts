import { delivery } from '@safelight/api';
import { fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

/** A franked application message (the WebSocket's "send" frame takes the same path). */
export const postMessage: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.postMessage, ['messages']),
    handler: (request) => {
      const checked = ctx
        .read()
        .delivery.checkApplication({ ...request.body, groupId: request.params.groupId });
      return ctx.write((s) => s.delivery.sendApplication(sessionOf(request), checked));
    },
  });
};
