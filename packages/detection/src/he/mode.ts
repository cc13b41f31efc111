// The he-fuzzy DetectionModeFactory: both halves over one bank, wired by a round trip
// (server challenge -> sender device -> answer) standing in for the network.

import { DetectionError } from '../errors.js';
import type { DetectionModeFactory, DetectionSetupOptions, LeakageStatement } from '../mode.js';
import { readHeader, withHeader } from '../wire.js';
import { HeFuzzyClient } from './client.js';
import { HeError, type HeErrorCode } from './errors.js';
import { HeFuzzyServer, type HeServerOptions } from './server.js';

export const heFuzzyLeakage: LeakageStatement = {
  server:
    'Learns, per image, whether it lies within the radius (default 31 bits) of some bank entry and, when it does, which entry; ' +
    'never the hash, never the distance. It also learns the bucket key: k PDQ bits at fixed positions (k = 0 up to ' +
    "~2k entries; at 1M, 10 with the default 4 result ciphertexts, 12 with 1) and the client key id, which links an account's images to each other.",
  client:
    'Learns how many bank entries of its bucket lie within the radius of its own hash (zero flags), nothing about ' +
    'the others: their slots are uniform nonzero residues under fresh masks, entries and offsets shuffled per query. ' +
    'The number of result ciphertexts is fixed per bank, so bucket sizes are hidden. Gap: no noise flooding ' +
    '(circuit privacy): 7 bits of noise budget are left in the sent result and flooding needs at least 40 more, ' +
    'which does not fit in 256 KB per image, so a client analysing ciphertext noise with its secret key may ' +
    'learn about bank plaintexts.',
  subversion:
    'A server can put any hash in the bank (as in every mode) and choose which bucket entries it evaluates; it ' +
    'cannot read the hash without the secret key. A client can hide a match (send a random hash or answer ' +
    'nothing) but cannot forge one except by guessing: a claim needs the exact token mod t (~17 bits) that survives only under a zero flag, at most 8 claims per answer (≤ 2^-14 per query).',
};

const SERVER_SIDE = new Set<HeErrorCode>(['HE_UNKNOWN_KEYS', 'HE_WORKER_FAILED', 'HE_CLOSED']);

export interface HeFuzzyOptions extends Pick<HeServerOptions, 'maxCiphertexts' | 'threads'> {}

/**
 * Builds the he-fuzzy mode; `maxCiphertexts` trades bucket-key leakage against work per image,
 * `threads` sets the server's worker threads (default: available cores; 0 = none).
 */
export function createHeFuzzyMode(modeOptions: HeFuzzyOptions = {}): DetectionModeFactory & {
  setupDetailed(options: DetectionSetupOptions): Promise<{
    client: HeFuzzyClient;
    server: HeFuzzyServer;
    registrationBytes: number;
    close(): Promise<void>;
  }>;
} {
  const setupDetailed = async (options: DetectionSetupOptions) => {
    const server = await HeFuzzyServer.create(options.bank, {
      ...(options.radius === undefined ? {} : { radius: options.radius }),
      ...(modeOptions.maxCiphertexts === undefined ? {} : { maxCiphertexts: modeOptions.maxCiphertexts }),
      ...(modeOptions.threads === undefined ? {} : { threads: modeOptions.threads }),
    });
    const client = await HeFuzzyClient.create({
      bucketBits: server.bucketBits,
      ...(options.qualityFloor === undefined ? {} : { qualityFloor: options.qualityFloor }),
    });
    server.register(client.registration, (challenge) => client.answer(challenge));
    return {
      client,
      server,
      registrationBytes: client.registration.length,
      close: async () => {
        client.close();
        await server.close();
      },
    };
  };
  return {
    name: 'he-fuzzy',
    leakage: heFuzzyLeakage,
    setupDetailed,
    // Through the system (registry, send path) payloads carry the shared detection header, so a
    // payload from another mode is refused the same way everywhere; the he wire format sits inside.
    setup: async (options) => {
      const { client, server, close } = await setupDetailed(options);
      return {
        client: {
          mode: 'he-fuzzy',
          prepare: async (signals) => {
            const payload = await client.prepare(signals);
            return payload === undefined ? undefined : withHeader('he-fuzzy', payload);
          },
        },
        server: {
          mode: 'he-fuzzy',
          evaluate: async (payload, context) => {
            const body = readHeader('he-fuzzy', payload);
            try {
              return await server.evaluate(body, context);
            } catch (error) {
              // The he wire errors become the shared codes every mode uses for bad payloads; unknown
              // keys, a failed worker thread or a closed server are not the payload's fault.
              if (error instanceof HeError && !SERVER_SIDE.has(error.code)) {
                throw new DetectionError(
                  'DETECTION_MALFORMED_PAYLOAD',
                  `he-fuzzy payload refused (${error.code})`,
                );
              }
              throw error;
            }
          },
        },
        close,
      };
    },
  };
}

export const heFuzzyMode = createHeFuzzyMode();
