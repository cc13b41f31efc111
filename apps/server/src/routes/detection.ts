// Detection around end-to-end encrypted messages (docs/detection-modes.md): the client half's
// provisioning to devices (GET /v1/detection/device and the mode's own routes) and the server
// half judging what a sender's device prepared (POST /v1/detection/evaluate). A verdict opens or
// extends the sender's case (services/moderation.ts recordMatch); the sender never learns it.
import type { DetectionVerdict } from '@safelight/detection';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PreparedDetection } from '../detection/deployment.js';
import { detectionRefusal } from '../detection/refusal.js';
import { fromB64u, toB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import { recordMatch } from '../services/moderation.js';
import type { DeliveryRepository, SessionRow } from '../storage/repository.js';
import type { GroupCommitWriter } from '../writer.js';

export interface DetectionRoutesOptions {
  /** The running mode; undefined when the platform runs none. */
  prepared: PreparedDetection | undefined;
  repository: DeliveryRepository;
  writer: GroupCommitWriter;
  authenticate: (request: FastifyRequest) => Promise<void>;
  now: () => number;
}

const b64u = (maxLength: number) => ({ type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength });

/** Not wrapped in fastify-plugin: the mode's routes may add their own body parser (he-fuzzy keys). */
export async function detectionRoutes(app: FastifyInstance, options: DetectionRoutesOptions): Promise<void> {
  const { prepared, repository, writer, authenticate, now } = options;

  /**
   * `GET /v1/detection/device`: what a device downloads to build the mode's client half, or
   * `{ mode: null }` when the platform runs none (or provisions devices some other way). Public:
   * the browser app reads it before signing in.
   */
  app.get('/v1/detection/device', { schema: { tags: ['detection'] } }, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return prepared?.download ?? { mode: null };
  });

  if (prepared?.routes) await prepared.routes(app, { authenticate });

  async function record(accountId: string, verdicts: readonly DetectionVerdict[]): Promise<void> {
    const at = now();
    await writer.submit(async (tx) => {
      for (const verdict of verdicts) {
        // psi-threshold can reveal earlier messages at once (when t is reached): name each
        // verdict's own message, not the one whose payload completed the threshold.
        const { conversationId, messageId } = verdict.context;
        const where = [verdict.bankName, verdict.bankEntryId].filter(Boolean).join('/');
        await recordMatch(tx, {
          subjectAccountId: accountId,
          at,
          source: verdict.mode === 'server-plaintext' ? 'hash-match' : 'mode',
          detail: `${verdict.mode}: ${conversationId}/${messageId}${where ? ` matched ${where}` : ''}${verdict.distance === undefined ? '' : ` at distance ${verdict.distance}`}`,
          audit: { mode: verdict.mode },
        });
      }
    });
  }

  /**
   * `POST /v1/detection/evaluate` (device token): the payload the mode's client half made for one
   * image of a message this device sent. The answer is `{ accepted: true }` whatever the verdict
   * (telling the sender "matched", or a case id, would make every mode a bank-membership oracle);
   * round-trip modes (he-fuzzy) add the `challenge` the device must answer, for every payload.
   */
  app.post<{ Body: { conversationId: string; messageId: string; payload: string } }>(
    '/v1/detection/evaluate',
    {
      onRequest: authenticate,
      ...(prepared?.evaluateBodyBytes === undefined ? {} : { bodyLimit: prepared.evaluateBodyBytes }),
      schema: {
        tags: ['detection'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          required: ['conversationId', 'messageId', 'payload'],
          additionalProperties: false,
          properties: {
            conversationId: b64u(86),
            messageId: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' },
            payload: b64u(Math.ceil((4 * 1024 * 1024 * 4) / 3)),
          },
        },
      },
    },
    async (request) => {
      if (!prepared) throw new ServerError('NOT_FOUND', 'no detection mode is configured on this server');
      const session = request.session as SessionRow;
      const { conversationId, messageId } = request.body;
      const sent = await repository.message(conversationId, messageId);
      if (sent?.kind !== 'application' || sent.senderDeviceId !== session.deviceId) {
        throw new ServerError(
          'NOT_FOUND',
          `no message ${messageId} sent by this device in that conversation`,
        );
      }
      const payload = fromB64u(request.body.payload, 'payload');
      const context = { accountId: session.accountId, conversationId, messageId };
      // (A match answers after its case is written, a few ms later than a non-match; that timing
      // difference is documented in docs/detection-modes.md.)
      const judge = async () => {
        const verdicts = await prepared.evaluator.evaluate(payload, context);
        if (verdicts && verdicts.length > 0) await record(session.accountId, verdicts);
      };
      if (prepared.exchange) {
        try {
          const challenge = await prepared.exchange.start(session.deviceId, judge);
          return { accepted: true, challenge: { id: challenge.id, bytes: toB64u(challenge.bytes) } } as const;
        } catch (error) {
          throw detectionRefusal(error, 'payload');
        }
      }
      try {
        await judge();
      } catch (error) {
        throw detectionRefusal(error, 'payload');
      }
      return { accepted: true } as const;
    },
  );
}
