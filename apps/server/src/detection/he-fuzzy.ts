// he-fuzzy provisioning. Devices download the BFV parameter fingerprint, the bucket bits and the
// matching parameters, make their own key pair (the secret key never leaves them) and register
// the public evaluation keys once (POST /v1/detection/he/keys, ~2 MiB). Each image is then a round
// trip over two requests: POST /v1/detection/evaluate answers `{ accepted, challenge }` (the same
// shape for every he-fuzzy payload, match or not), the device decrypts it and posts its answer
// to POST /v1/detection/he/answer, which finishes the evaluation (challenge-desk.ts). Only the
// public API of HeFuzzyServer is used: register(keys, channel) and evaluate(payload, context).
import { createHash } from 'node:crypto';
import {
  HeFuzzyServer,
  heParameterFingerprint,
  readHeader,
  type ServerEvaluator,
} from '@safelight/detection';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromB64u, toB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import type { SessionRow } from '../storage/repository.js';
import { ChallengeDesk } from './challenge-desk.js';
import type {
  CheckedDeployment,
  DetectionRouteContext,
  PrepareContext,
  PreparedDetection,
} from './deployment.js';
import { detectionRefusal } from './refusal.js';

export interface HeDeploymentOptions {
  /** Result ciphertexts per query the bucketing aims at (default 4); fewer leaks more bucket bits. */
  readonly maxCiphertexts?: number;
  /** How long an evaluation waits for the device's answer before it ends with no verdict (60 s). */
  readonly answerTimeoutMs?: number;
  /**
   * Key sets kept per device (default 4). Each holds several MB of SEAL memory for as long as the
   * server runs (HeFuzzyServer has no way to drop one), so a device cannot register without bound.
   */
  readonly maxKeySetsPerDevice?: number;
}

/** A key registration is ~2.0 MiB (Galois keys for two rotations + relinearisation keys, zstd). */
const KEYS_BODY_BYTES = 3 * 1024 * 1024;
const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;
const DEFAULT_KEY_SETS_PER_DEVICE = 4;

export async function prepareHeFuzzy(
  deployment: CheckedDeployment,
  context: PrepareContext,
): Promise<PreparedDetection> {
  const { bank, parameters } = deployment;
  const options = deployment.he ?? {};
  const maxKeySets = options.maxKeySetsPerDevice ?? DEFAULT_KEY_SETS_PER_DEVICE;
  if (!Number.isSafeInteger(maxKeySets) || maxKeySets < 1) {
    throw new ServerError('VALIDATION_FAILED', 'detection.he.maxKeySetsPerDevice must be a positive integer');
  }
  let desk: ChallengeDesk;
  try {
    desk = new ChallengeDesk({
      timeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
      onAbandoned: (error) => context.warn('he-fuzzy evaluation ended without an answer', error),
    });
  } catch {
    throw new ServerError(
      'VALIDATION_FAILED',
      'detection.he.answerTimeoutMs must be a positive integer (ms)',
    );
  }
  let server: HeFuzzyServer;
  try {
    server = await HeFuzzyServer.create(bank, {
      radius: parameters.radius,
      ...(options.maxCiphertexts === undefined ? {} : { maxCiphertexts: options.maxCiphertexts }),
    });
  } catch (error) {
    throw new ServerError('VALIDATION_FAILED', `detection.he: ${(error as Error).message}`);
  }
  const fingerprint = await heParameterFingerprint();
  const evaluator: ServerEvaluator = {
    mode: 'he-fuzzy',
    evaluate: async (payload, detectionContext) =>
      server.evaluate(readHeader('he-fuzzy', payload), detectionContext),
  };
  // Registrations by SHA-256 of their bytes: the same keys posted again (a retry, a device that
  // lost its answer) get their key id back instead of a second copy in SEAL memory.
  const registered = new Map<string, Uint8Array>();
  const keySetsOf = new Map<string, Set<string>>();

  const routes = async (app: FastifyInstance, { authenticate }: DetectionRouteContext) => {
    // The key upload is parsed whole (bounded by the route's limit), not streamed like a blob:
    // replace, in this plugin only, the server's streaming octet-stream parser.
    if (app.hasContentTypeParser('application/octet-stream'))
      app.removeContentTypeParser('application/octet-stream');
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );

    /** `POST /v1/detection/he/keys` (device token, octet-stream): registers evaluation keys once. */
    app.post(
      '/v1/detection/he/keys',
      {
        onRequest: authenticate,
        bodyLimit: KEYS_BODY_BYTES,
        schema: { tags: ['detection'], security: [{ bearer: [] }], consumes: ['application/octet-stream'] },
      },
      async (request: FastifyRequest, reply) => {
        const session = request.session as SessionRow;
        if (!(request.body instanceof Uint8Array) || request.body.length === 0) {
          throw new ServerError(
            'UNSUPPORTED_MEDIA_TYPE',
            'the key registration must be application/octet-stream',
          );
        }
        const registration = new Uint8Array(request.body);
        const digest = createHash('sha256').update(registration).digest('hex');
        const mine = keySetsOf.get(session.deviceId) ?? new Set<string>();
        let keyId = registered.get(digest);
        if (keyId === undefined) {
          if (mine.size >= maxKeySets) {
            throw new ServerError(
              'DETECTION_KEY_LIMIT',
              `this device already registered ${mine.size} he-fuzzy key sets, the most this server keeps`,
            );
          }
          try {
            keyId = server.register(registration, desk.channel);
          } catch (error) {
            throw detectionRefusal(error, 'key registration');
          }
          registered.set(digest, keyId);
        }
        mine.add(digest);
        keySetsOf.set(session.deviceId, mine);
        reply.status(201);
        return { keyId: toB64u(keyId) };
      },
    );

    /**
     * `POST /v1/detection/he/answer` (device token): the answer to a challenge from evaluate.
     * Answers `{ accepted: true }` once the evaluation has finished, match or not.
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
        const answer = fromB64u(request.body.answer, 'answer');
        try {
          await desk.answer(session.deviceId, request.body.challengeId, answer);
        } catch (error) {
          throw detectionRefusal(error, 'answer');
        }
        return { accepted: true } as const;
      },
    );
  };

  return {
    mode: 'he-fuzzy',
    evaluator,
    download: {
      mode: 'he-fuzzy',
      parameters: fingerprint,
      bucketBits: server.bucketBits,
      radius: parameters.radius,
      qualityFloor: parameters.qualityFloor,
    },
    exchange: desk,
    routes,
    notes: [
      `BFV parameters ${fingerprint}, ${server.bucketBits} bucket bits, ${server.ciphertextsPerQuery} result ciphertext(s) per image, answers awaited ${options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS} ms`,
    ],
    close: async () => {
      desk.close();
      server.close();
    },
  };
}
