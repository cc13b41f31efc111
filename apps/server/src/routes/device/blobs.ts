import { delivery } from '@safelight/api';
import { ServerError } from '../../errors.js';
import { fromContract } from '../../http.js';
import type { RouteModule } from '../route.js';

const tags = ['blobs'];

/** Encrypted attachments: the body is streamed to disk, never buffered. */
export const uploadBlob: RouteModule = (app, ctx) => {
  const max = ctx.config.limits.blobBytes;
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  app.route({
    ...fromContract(delivery.uploadBlob, tags),
    bodyLimit: max,
    config: { blob: true },
    handler: async (request, reply) => {
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > max) {
        throw new ServerError('BLOB_TOO_LARGE', `blob is over the ${max}-byte limit`, { limit: max });
      }
      const body = request.body as AsyncIterable<Uint8Array> | undefined | null;
      if (body === undefined || body === null || typeof body[Symbol.asyncIterator] !== 'function') {
        throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'blob body must be application/octet-stream');
      }
      return reply.status(201).send(await ctx.blobs.put(body));
    },
  });
};

export const getBlob: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(delivery.getBlob, tags),
    handler: async (request, reply) => {
      const blob = await ctx.blobs.get(request.params.blobId);
      reply.header('content-type', 'application/octet-stream').header('content-length', blob.size);
      return reply.send(blob.stream);
    },
  });
};
