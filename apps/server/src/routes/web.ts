// Serves the web app (apps/web, a Vite build) from the delivery server's own origin, so the
// README's first command opens it and the page never needs another host. The Content Security
// Policy makes "no request to any other host" a property the browser enforces, not only a habit
// of the code: scripts, styles, images, fonts and connections are limited to this origin (plus
// blob:/data: images, which is how decrypted attachments are shown).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ServerError } from '../errors.js';

export interface WebConfig {
  /** The folder holding the built web app (index.html and assets/). */
  readonly root: string;
}

export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React sets style attributes; no external stylesheets.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "font-src 'self'",
  // 'self' covers same-origin ws:/wss: in current browsers; listed explicitly for older ones.
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Client-side routes of the single-page app: each answers with index.html. */
const APP_ROUTES = ['/', '/console', '/console/*', '/app', '/app/*'];

export async function webRoutes(app: FastifyInstance, options: { config: WebConfig }): Promise<void> {
  const root = options.config.root;
  if (!existsSync(join(root, 'index.html'))) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `web.root ${root} has no index.html: build the web app first (npm run build)`,
    );
  }
  const secure = (reply: FastifyReply) => {
    reply.header('content-security-policy', WEB_CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
  };
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: false,
    wildcard: false,
    // Our own headers below: the plugin's default (max-age=0) would override them.
    cacheControl: false,
    // Hashed asset names never change; index.html must always be fresh.
    setHeaders(res, path) {
      res.setHeader(
        'cache-control',
        path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  for (const url of APP_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      secure(reply);
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  }
}
