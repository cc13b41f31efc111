// Detection around end-to-end encrypted messages (docs/detection-modes.md), the device's side: the
// payload for an image of a message it sent (POST /v1/detection/evaluate) and, for round-trip modes
// (he-fuzzy), its answer to the challenge (POST /v1/detection/he/answer), on any server process.
// The mode's work runs outside the writer; only the sent-message check, the pending challenge and
// the verdict's case go through services. The sender never learns a verdict.
import { randomBytes } from 'node:crypto';
import { detection } from '@safelight/api';
import type { DetectionVerdict } from '@safelight/detection';
import type { ChallengeStore } from '../../detection/challenge-store.js';
import type { ServerDetectionMode } from '../../detection/mode.js';
import { detectionRefusal } from '../../detection/refusal.js';
import { fromB64u, toB64u } from '../../encoding.js';
import { ServerError } from '../../errors.js';
import { type Api, fromContract } from '../../http.js';
import { type RouteModule, sessionOf } from '../route.js';

/** What the detection routes need around the mode (the context gives them; tests can fake them). */
export interface DetectionRouteDeps {
  /** The running mode; undefined when the platform runs none. */
  readonly mode: ServerDetectionMode | undefined;
  /** Whether `deviceId` sent application message `messageId` in `conversationId`. */
  readonly messageSentBy: (conversationId: string, messageId: string, deviceId: string) => Promise<boolean>;
  /** Opens or extends the case on `accountId` (the sender) for these verdicts. */
  readonly recordVerdicts: (accountId: string, verdicts: readonly DetectionVerdict[]) => Promise<void>;
  /** Pending challenges of round-trip modes, shared by every server process. */
  readonly challenges: ChallengeStore;
  readonly now: () => number;
}

const tags = ['detection'];

/** The detection routes of the device plugin over the context's services. */
export const detectionRoutes: RouteModule = (app, ctx) =>
  registerDetection(app, {
    mode: ctx.detection,
    messageSentBy: (conversationId, messageId, deviceId) =>
      ctx.read().delivery.sentBy(conversationId, messageId, deviceId),
    recordVerdicts: (accountId, verdicts) =>
      ctx.write((s) => s.detection.recordVerdicts(accountId, verdicts)),
    // Every write through the single writer; `take` is atomic on its own (the store's guard).
    challenges: {
      put: (id, challenge) => ctx.write((s) => s.detection.challenges.put(id, challenge)),
      take: (id, deviceId, now) => ctx.write((s) => s.detection.challenges.take(id, deviceId, now)),
      sweep: (now) => ctx.write((s) => s.detection.challenges.sweep(now)),
    },
    now: ctx.now,
  });

/** Registers evaluate, the answer route and the mode's own device routes on a device plugin. */
export async function registerDetection(app: Api, deps: DetectionRouteDeps): Promise<void> {
  const { mode, messageSentBy, recordVerdicts, challenges, now } = deps;
  const finish = mode?.finish?.bind(mode);
  const answerTimeoutMs = mode?.answerTimeoutMs;
  if (finish !== undefined && answerTimeoutMs === undefined) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `detection mode ${mode?.name} finishes answers but sets no answer timeout`,
    );
  }
  // The mode's routes in a plugin of their own: a body parser they add stays theirs.
  const device = mode?.routes?.device;
  if (device) await app.register(async (scope) => device(scope as Api));

  /**
   * The payload the mode's client half made for one image of a message this device sent. The
   * answer is `{ accepted: true }` whatever the verdict (telling the sender "matched", or a case
   * id, would make every mode a bank-membership oracle); round-trip modes add the `challenge` the
   * device must answer, for every payload.
   */
  app.route({
    ...fromContract(detection.evaluate, tags),
    ...(mode?.evaluateBodyBytes === undefined ? {} : { bodyLimit: mode.evaluateBodyBytes }),
    handler: async (request) => {
      if (!mode) throw new ServerError('NOT_FOUND', 'no detection mode is configured on this server');
      const session = sessionOf(request);
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
        return { accepted: true as const };
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
      return { accepted: true as const, challenge: { id, bytes: toB64u(outcome.bytes) } };
    },
  });

  if (finish === undefined) return;

  /**
   * The answer to a challenge from evaluate, on any server process. Only the device the challenge
   * went to can answer it, once, before it expires: otherwise 404 DETECTION_CHALLENGE_UNKNOWN
   * (never issued, another device's, or forgotten), 409 DETECTION_CHALLENGE_ANSWERED, 410
   * DETECTION_CHALLENGE_EXPIRED. Answers `{ accepted: true }` once judged, match or not.
   */
  app.route({
    ...fromContract(detection.heAnswer, tags),
    handler: async (request) => {
      const session = sessionOf(request);
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
      return { accepted: true as const };
    },
  });
}
