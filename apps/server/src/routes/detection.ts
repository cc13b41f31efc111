// Detection around end-to-end encrypted messages (docs/detection-modes.md): the client half's
// provisioning to devices (GET /v1/detection/device and the mode's own routes), the server half
// judging what a sender's device prepared (POST /v1/detection/evaluate) and, for round-trip modes
// (he-fuzzy), the device's answer to its challenge (POST /v1/detection/he/answer). Everything
// around the mode comes in as functions: whether the device sent that message, where a verdict
// goes (the server opens or extends the sender's case), where pending challenges are stored.
// The sender never learns a verdict.
import { randomBytes } from 'node:crypto';
import type { DetectionVerdict } from '@safelight/detection';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChallengeStore } from '../detection/challenge-store.js';
import type { ServerDetectionMode } from '../detection/mode.js';
import { detectionRefusal } from '../detection/refusal.js';
import { fromB64u, toB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import type { SessionRow } from '../storage/repository.js';

export interface DetectionRoutesOptions {
  /** The running mode; undefined when the platform runs none. */
  mode: ServerDetectionMode | undefined;
  authenticate: (request: FastifyRequest) => Promise<void>;
  /** Whether `deviceId` sent application message `messageId` in `conversationId`. */
  messageSentBy: (conversationId: string, messageId: string, deviceId: string) => Promise<boolean>;
  /** Opens or extends the case on `accountId` (the sender) for these verdicts. */
  recordVerdicts: (accountId: string, verdicts: readonly DetectionVerdict[]) => Promise<void>;
  /** Pending challenges of round-trip modes, shared by every server process. */
  challenges: ChallengeStore;
  now: () => number;
}

const b64u = (maxLength: number) => ({ type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength });

/** Not wrapped in fastify-plugin: the mode's routes may add their own body parser (he-fuzzy keys). */
export async function detectionRoutes(app: FastifyInstance, options: DetectionRoutesOptions): Promise<void> {
  const { mode, authenticate, messageSentBy, recordVerdicts, challenges, now } = options;
  const finish = mode?.finish?.bind(mode);
  const answerTimeoutMs = mode?.answerTimeoutMs;
  if (finish !== undefined && answerTimeoutMs === undefined) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `detection mode ${mode?.name} finishes answers but sets no answer timeout`,
    );
  }

  /**
   * `GET /v1/detection/device`: what a device downloads to build the mode's client half, or
   * `{ mode: null }` when the platform runs none (or provisions devices some other way). Public:
   * the browser app reads it before signing in.
   */
  app.get('/v1/detection/device', { schema: { tags: ['detection'] } }, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return mode?.download ?? { mode: null };
  });

  if (mode?.routes) await mode.routes(app, { authenticate });

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
      ...(mode?.evaluateBodyBytes === undefined ? {} : { bodyLimit: mode.evaluateBodyBytes }),
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
      if (!mode) throw new ServerError('NOT_FOUND', 'no detection mode is configured on this server');
      const session = request.session as SessionRow;
      const { conversationId, messageId } = request.body;
      if (!(await messageSentBy(conversationId, messageId, session.deviceId))) {
        throw new ServerError(
          'NOT_FOUND',
          `no message ${messageId} sent by this device in that conversation`,
        );
      }
      const payload = fromB64u(request.body.payload, 'payload');
      let outcome: Awaited<ReturnType<ServerDetectionMode['evaluate']>>;
      try {
        outcome = await mode.evaluate(payload, {
          accountId: session.accountId,
          deviceId: session.deviceId,
          conversationId,
          messageId,
        });
      } catch (error) {
        throw detectionRefusal(error, 'payload');
      }
      if (outcome.kind === 'verdicts') {
        // (A match answers after its case is written, a few ms later than a non-match; that
        // timing difference is documented in docs/detection-modes.md.)
        if (outcome.verdicts.length > 0) await recordVerdicts(session.accountId, outcome.verdicts);
        return { accepted: true } as const;
      }
      if (finish === undefined || answerTimeoutMs === undefined) {
        throw new Error(`detection mode ${mode.name} issued a challenge but cannot finish one`);
      }
      // A random id, not the mode's own query id: it names the stored state and nothing else.
      const id = randomBytes(16).toString('base64url');
      await challenges.put(id, {
        deviceId: session.deviceId,
        state: outcome.state,
        expiresAt: now() + answerTimeoutMs,
      });
      return { accepted: true, challenge: { id, bytes: toB64u(outcome.bytes) } } as const;
    },
  );

  if (finish === undefined) return;

  /**
   * `POST /v1/detection/he/answer` (device token): the answer to a challenge from evaluate, on any
   * server process. Only the device the challenge went to can answer it, once, before it expires:
   * otherwise 404 DETECTION_CHALLENGE_UNKNOWN (never issued, another device's, or forgotten),
   * 409 DETECTION_CHALLENGE_ANSWERED, 410 DETECTION_CHALLENGE_EXPIRED. Answers `{ accepted: true }`
   * once the answer is judged, match or not.
   */
  app.post<{ Body: { challengeId: string; answer: string } }>(
    '/v1/detection/he/answer',
    {
      onRequest: authenticate,
      schema: {
        tags: ['detection'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          required: ['challengeId', 'answer'],
          additionalProperties: false,
          properties: {
            challengeId: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
            answer: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 4096 },
          },
        },
      },
    },
    async (request) => {
      const session = request.session as SessionRow;
      const { challengeId } = request.body;
      const answer = fromB64u(request.body.answer, 'answer');
      const taken = await challenges.take(challengeId, session.deviceId, now());
      switch (taken.status) {
        case 'unknown':
          throw new ServerError(
            'DETECTION_CHALLENGE_UNKNOWN',
            `no pending challenge ${challengeId} for this device`,
          );
        case 'answered':
          throw new ServerError(
            'DETECTION_CHALLENGE_ANSWERED',
            `challenge ${challengeId} was already answered`,
          );
        case 'expired':
          throw new ServerError(
            'DETECTION_CHALLENGE_EXPIRED',
            `challenge ${challengeId} expired (no answer within ${answerTimeoutMs} ms); its evaluation has ended`,
          );
      }
      let verdicts: readonly DetectionVerdict[];
      try {
        verdicts = await finish(taken.state, answer);
      } catch (error) {
        throw detectionRefusal(error, 'answer');
      }
      if (verdicts.length > 0) await recordVerdicts(session.accountId, verdicts);
      return { accepted: true } as const;
    },
  );
}
