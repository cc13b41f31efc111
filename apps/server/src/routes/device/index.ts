import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Api } from '../../http.js';
import { registerAll } from '../route.js';
import { appeal } from './appeals.js';
import { getBlob, uploadBlob } from './blobs.js';
import { detectionRoutes } from './detection.js';
import { addDevice } from './devices.js';
import { accountByHandle, accountById } from './directory.js';
import { createGroup, getGroup, postCommit } from './groups.js';
import { ackInbox, inbox } from './inbox.js';
import { claimKeyPackages, uploadKeyPackages } from './key-packages.js';
import { postMessage } from './messages.js';
import { notices } from './notices.js';
import { submitReport } from './reports.js';
import { safetyRoutes } from './safety/index.js';
import { webSocket } from './websocket.js';

/**
 * Routes of a signed-in device. One hook, here and only here, checks the bearer token
 * (`Authorization: Bearer <token>`; the WebSocket passes it as `?token=`), so no route of this
 * plugin can be reached without a session and no route outside it is affected.
 */
export async function deviceRoutes(app: Api, ctx: AppContext): Promise<void> {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = request.routeOptions.config.tokenInQuery
      ? (request.query as { token?: string }).token
      : /^Bearer ([A-Za-z0-9_-]+)$/.exec(request.headers.authorization ?? '')?.[1];
    request.session = await ctx.sessionFor(token);
  });
  await registerAll(app, ctx, [
    addDevice,
    accountByHandle,
    accountById,
    uploadKeyPackages,
    claimKeyPackages,
    createGroup,
    getGroup,
    postCommit,
    postMessage,
    inbox,
    ackInbox,
    webSocket,
    uploadBlob,
    getBlob,
    detectionRoutes,
    ...safetyRoutes,
    submitReport,
    notices,
    appeal,
  ]);
}
