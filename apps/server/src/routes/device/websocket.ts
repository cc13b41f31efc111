import { delivery } from '@safelight/api';
import type { WebSocket } from 'ws';
import { ServerError } from '../../errors.js';
import { fromContract } from '../../http.js';
import type { MessageAnswer } from '../../services/delivery.js';
import { sendBatched } from '../../socket-batching.js';
import { type RouteModule, sessionOf } from '../route.js';

/**
 * The device's push channel (docs/delivery.md): inbox items as they commit, acknowledgements, and
 * application messages sent without an HTTP request each ({type:"send"}, the same service path as
 * POST /v1/groups/:groupId/messages).
 */
export const webSocket: RouteModule = (app, ctx) => {
  const { limits } = ctx.config;
  app.route({
    ...fromContract(delivery.webSocket, ['inbox']),
    config: { tokenInQuery: true },
    handler: () => {
      throw new ServerError('VALIDATION_FAILED', 'this route is a WebSocket: send an Upgrade request');
    },
    wsHandler: (socket: WebSocket, request) => {
      const actor = sessionOf(request);
      const sub = ctx.hub.add(actor.deviceId, socket);
      const fail = (code: string, message: string) =>
        socket.send(JSON.stringify({ type: 'error', error: { code, message } }));
      socket.on('close', () => ctx.hub.remove(sub));

      const sendOverSocket = (frame: Record<string, unknown>) => {
        const { groupId, messageId, message } = frame;
        const refuse = (code: string, text: string) =>
          socket.send(JSON.stringify({ type: 'send-error', messageId, error: { code, message: text } }));
        if (typeof messageId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(messageId)) {
          return refuse('VALIDATION_FAILED', 'messageId must match ^[A-Za-z0-9_-]{8,64}$');
        }
        if (typeof groupId !== 'string' || !/^[A-Za-z0-9_-]{1,86}$/.test(groupId)) {
          return refuse('VALIDATION_FAILED', 'groupId must be b64u, at most 64 bytes');
        }
        if (typeof message !== 'string' || message.length > 2 * limits.messageBytes) {
          return refuse('VALIDATION_FAILED', 'message must be a b64u string within the message limit');
        }
        let accepted: Promise<MessageAnswer>;
        try {
          const checked = ctx.read().delivery.checkApplication({ groupId, messageId, message });
          accepted = ctx.write((s) => s.delivery.sendApplication(actor, checked));
        } catch (error) {
          accepted = Promise.reject(error);
        }
        accepted.then(
          // The answer's contract fields only, as POST /v1/groups/:groupId/messages gives them: a
          // field a service adds must not leave by this path either.
          ({ seq, receivedAt, frank, duplicate }) =>
            sendBatched(
              socket,
              JSON.stringify({ type: 'sent', messageId, seq, receivedAt, frank, duplicate }),
            ),
          (error: unknown) =>
            error instanceof ServerError
              ? refuse(error.code, error.message)
              : refuse('INTERNAL', 'the message could not be accepted'),
        );
      };

      socket.on('message', (data: Buffer, isBinary: boolean) => {
        let frame: { type?: unknown; after?: unknown; upTo?: unknown };
        try {
          if (isBinary) throw new Error('binary');
          frame = JSON.parse(data.toString('utf8'));
        } catch {
          fail('INVALID_JSON', 'frame is not a JSON object');
          return;
        }
        if (frame?.type === 'subscribe') {
          const after = frame.after ?? 0;
          if (!Number.isSafeInteger(after) || (after as number) < 0) {
            fail('VALIDATION_FAILED', 'after must be an integer >= 0');
            return;
          }
          ctx.hub.subscribe(sub, after as number);
        } else if (frame?.type === 'ack') {
          const upTo = frame.upTo;
          if (!Number.isSafeInteger(upTo) || (upTo as number) < 0) {
            fail('VALIDATION_FAILED', 'upTo must be an integer >= 0');
            return;
          }
          ctx
            .write((s) => s.delivery.ack(actor.deviceId, upTo as number))
            .then(
              ({ deleted }) => socket.send(JSON.stringify({ type: 'acked', upTo, deleted })),
              (error: unknown) =>
                fail(error instanceof ServerError ? error.code : 'INTERNAL', 'acknowledgement failed'),
            );
        } else if (frame?.type === 'send') {
          sendOverSocket(frame as Record<string, unknown>);
        } else {
          fail('VALIDATION_FAILED', 'type must be "subscribe", "ack" or "send"');
        }
      });
    },
  });
};
