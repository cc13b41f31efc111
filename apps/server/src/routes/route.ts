import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Api } from '../http.js';
import type { SessionRow } from '../storage/repository.js';

/** One endpoint (or one small resource): registers its route(s) on the audience's plugin. */
export type RouteModule = (app: Api, ctx: AppContext) => void | Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in device's session (set by the device plugin's hook). */
    session: SessionRow | null;
  }
  interface FastifyContextConfig {
    /** The WebSocket upgrade: the bearer token comes in `?token=` (browsers cannot set headers). */
    tokenInQuery?: boolean;
  }
}

/** The signed-in device of a request on the device plugin. */
export function sessionOf(request: FastifyRequest): SessionRow {
  if (request.session === null) throw new Error('sessionOf() outside the device plugin');
  return request.session;
}

/** Registers route modules on `app` in order. */
export async function registerAll(app: Api, ctx: AppContext, modules: readonly RouteModule[]): Promise<void> {
  for (const register of modules) await register(app, ctx);
}
