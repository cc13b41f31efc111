// he-fuzzy. Devices download the BFV parameter fingerprint, the bucket bits and the matching
// parameters, make their own key pair (the secret key never leaves them) and register the public
// evaluation keys once (POST /v1/detection/he/keys, ~2 MiB). Each image is then two steps over
// two requests: POST /v1/detection/evaluate runs `start` and answers `{ accepted, challenge }`
// (the same shape for every he-fuzzy payload, match or not) while the pending state goes to the
// ChallengeStore; the device decrypts the challenge and posts its answer to
// POST /v1/detection/he/answer, where `finish` judges it — on whichever server process gets the
// request: finish needs the bank and the state, not the device's keys.
//
// The pending state (packages/detection/src/he/pending.ts) holds the tokens that prove a match and
// which bank entries sat in the device's bucket: server-side secret. It is sealed here (AES-256-GCM
// under `he.stateKey`, default `<dataDir>/he-challenge-key`) before it is stored, so the database
// (and its backups) hold only ciphertext; every process sharing the store needs the same key.
//
// Registered key sets live in this process's memory (HeFuzzyServer has no store for them yet): a
// restarted server answers HE_UNKNOWN_KEYS and the SDK registers again.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { detection } from '@safelight/api';
import {
  type DetectionVerdict,
  HeFuzzyServer,
  heParameterFingerprint,
  readHeader,
} from '@safelight/detection';
import { toB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import { type Api, fromContract } from '../http.js';
import { sessionOf } from '../routes/route.js';
import type { ModeRoutes, ServerDetectionMode } from './mode.js';
import { detectionRefusal } from './refusal.js';
import type { CheckedDeployment, ModeFactoryContext } from './types.js';

export type { HeDeploymentOptions } from './types.js';

/** A key registration is ~2.0 MiB (Galois keys for two rotations + relinearisation keys, zstd). */
const KEYS_BODY_BYTES = 3 * 1024 * 1024;
const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;
const DEFAULT_KEY_SETS_PER_DEVICE = 4;
export const HE_CHALLENGE_KEY_FILE = 'he-challenge-key';
const STATE_AAD = new TextEncoder().encode('safelight/detection/he-fuzzy/sealed-state/v1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface HeFuzzyServerMode extends ServerDetectionMode {
  readonly name: 'he-fuzzy';
  /**
   * Registers a device's public evaluation keys (what POST /v1/detection/he/keys does); answers
   * the key id. The same registration again gets its id back without a second copy.
   */
  registerKeys(deviceId: string, registration: Uint8Array): Uint8Array;
  finish(state: Uint8Array, answer: Uint8Array): Promise<readonly DetectionVerdict[]>;
  readonly answerTimeoutMs: number;
}

export async function heFuzzyMode(
  deployment: CheckedDeployment,
  context: ModeFactoryContext,
): Promise<HeFuzzyServerMode> {
  const { bank, parameters } = deployment;
  const options = deployment.he ?? {};
  const maxKeySets = options.maxKeySetsPerDevice ?? DEFAULT_KEY_SETS_PER_DEVICE;
  if (!Number.isSafeInteger(maxKeySets) || maxKeySets < 1) {
    throw new ServerError('VALIDATION_FAILED', 'detection.he.maxKeySetsPerDevice must be a positive integer');
  }
  const answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  if (!Number.isSafeInteger(answerTimeoutMs) || answerTimeoutMs < 1) {
    throw new ServerError(
      'VALIDATION_FAILED',
      'detection.he.answerTimeoutMs must be a positive integer (ms)',
    );
  }
  if (
    options.stateKey !== undefined &&
    (!(options.stateKey instanceof Uint8Array) || options.stateKey.length !== 32)
  ) {
    throw new ServerError('VALIDATION_FAILED', 'detection.he.stateKey must be 32 bytes');
  }
  const stateKey = options.stateKey ?? (await context.secret(HE_CHALLENGE_KEY_FILE)).subarray(0, 32);
  let server: HeFuzzyServer;
  try {
    server = await HeFuzzyServer.create(bank, {
      radius: parameters.radius,
      ...(options.maxCiphertexts === undefined ? {} : { maxCiphertexts: options.maxCiphertexts }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
  } catch (error) {
    throw new ServerError('VALIDATION_FAILED', `detection.he: ${(error as Error).message}`);
  }
  const fingerprint = await heParameterFingerprint();

  // Registrations by SHA-256 of their bytes: the same keys posted again (a retry, a device that
  // lost its answer) get their key id back instead of a second copy in SEAL memory.
  const registered = new Map<string, Uint8Array>();
  const keySetsOf = new Map<string, Set<string>>();

  const registerKeys = (deviceId: string, registration: Uint8Array): Uint8Array => {
    const digest = createHash('sha256').update(registration).digest('hex');
    const mine = keySetsOf.get(deviceId) ?? new Set<string>();
    let keyId = registered.get(digest);
    if (keyId === undefined) {
      if (mine.size >= maxKeySets) {
        throw new ServerError(
          'DETECTION_KEY_LIMIT',
          `this device already registered ${mine.size} he-fuzzy key sets, the most this server keeps`,
        );
      }
      keyId = server.register(registration);
      registered.set(digest, keyId);
    }
    mine.add(digest);
    keySetsOf.set(deviceId, mine);
    return keyId;
  };

  const routes: ModeRoutes = {
    device: (app: Api) => {
      // The key upload is parsed whole (bounded by the route's limit), not streamed like a blob:
      // replace, in this mode's own plugin only, the device plugin's streaming octet-stream parser.
      if (app.hasContentTypeParser('application/octet-stream'))
        app.removeContentTypeParser('application/octet-stream');
      app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) =>
        done(null, body),
      );
      /** `POST /v1/detection/he/keys` (device token, octet-stream): registers evaluation keys once. */
      app.route({
        ...fromContract(detection.heKeys, ['detection']),
        bodyLimit: KEYS_BODY_BYTES,
        handler: async (request, reply) => {
          if (!(request.body instanceof Uint8Array) || request.body.length === 0) {
            throw new ServerError(
              'UNSUPPORTED_MEDIA_TYPE',
              'the key registration must be application/octet-stream',
            );
          }
          let keyId: Uint8Array;
          try {
            keyId = registerKeys(sessionOf(request).deviceId, new Uint8Array(request.body));
          } catch (error) {
            throw detectionRefusal(error, 'key registration');
          }
          return reply.status(201).send({ keyId: toB64u(keyId) });
        },
      });
    },
  };

  return {
    name: 'he-fuzzy',
    download: {
      mode: 'he-fuzzy',
      parameters: fingerprint,
      bucketBits: server.bucketBits,
      radius: parameters.radius,
      qualityFloor: parameters.qualityFloor,
    },
    evaluate: async (payload, { accountId, conversationId, messageId }) => {
      const started = await server.start(readHeader('he-fuzzy', payload), {
        accountId,
        conversationId,
        messageId,
      });
      return { kind: 'challenge', bytes: started.challenge, state: seal(stateKey, started.pending) };
    },
    finish: async (state, answer) => {
      const pending = open(stateKey, state);
      try {
        return server.finish(pending, answer);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'HE_MALFORMED_STATE') throw otherDeployment();
        throw error;
      }
    },
    answerTimeoutMs,
    registerKeys,
    routes,
    notes: [
      `BFV parameters ${fingerprint}, ${server.bucketBits} bucket bits, ${server.ciphertextsPerQuery} result ciphertext(s) per image, challenges answerable for ${answerTimeoutMs} ms`,
    ],
    close: () => server.close(),
  };
}

/** nonce (12) | AES-256-GCM ciphertext | tag (16), under a fixed associated-data domain. */
function seal(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(STATE_AAD);
  return new Uint8Array(
    Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]),
  );
}

function open(key: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw otherDeployment();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES)).setAAD(STATE_AAD);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return new Uint8Array(
      Buffer.concat([
        decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]),
    );
  } catch {
    throw otherDeployment();
  }
}

/** A stored challenge this deployment cannot finish (another state key, bank or options). */
function otherDeployment(): ServerError {
  return new ServerError(
    'DETECTION_CHALLENGE_EXPIRED',
    'the challenge was issued under another he-fuzzy deployment (state key, bank or options); its evaluation has ended',
  );
}
