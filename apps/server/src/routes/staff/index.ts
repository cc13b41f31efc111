import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Api } from '../../http.js';
import { registerAll } from '../route.js';
import { audit } from './audit.js';
import { listCases, postEvent, viewCase } from './cases.js';
import { exportCase } from './export.js';
import { caseFile } from './media.js';
import { fileNcmec, ncmecRecord } from './ncmec.js';
import { retentionSweep } from './retention.js';
import { transparency } from './transparency.js';

/**
 * The moderator API (docs/reporting.md). One hook, here and only here, checks
 * `Authorization: Staff <token>` against the staff directory (built once from
 * `moderation.staff`); what each member may do is the PERMISSIONS table, checked by the service.
 */
export async function staffRoutes(app: Api, ctx: AppContext): Promise<void> {
  app.decorateRequest('staff', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.staff = ctx.deps.moderation.staff.authenticate(request.headers.authorization);
  });
  await registerAll(app, ctx, [
    listCases,
    viewCase,
    postEvent,
    caseFile,
    exportCase,
    ncmecRecord,
    fileNcmec,
    transparency,
    audit,
    retentionSweep,
  ]);
}
