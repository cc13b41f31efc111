// server-plaintext: the non-E2EE baseline. The payload is the image itself; the server decodes
// it, computes PDQ (packages/media) and looks the hash up in the bank (radius 31, quality floor
// 50). This is what every platform without end-to-end encryption does, and what the other modes
// are measured against.
import { hashImageBytes } from '@safelight/media';
import { PdqHasher, parsePdqHex } from '@safelight/pdq';
import { BankIndex, matchParameters } from './bank-match.js';
import { DetectionError } from './errors.js';
import type {
  ClientDetector,
  DetectionContext,
  DetectionModeFactory,
  DetectionVerdict,
  ImageSignals,
  LeakageStatement,
  ServerEvaluator,
} from './mode.js';
import { readHeader, withHeader } from './wire.js';

const MODE = 'server-plaintext' as const;

export const serverPlaintextLeakage: LeakageStatement = {
  server:
    'Everything: the server receives the image bytes themselves, so it can see, keep, re-hash and forward ' +
    'every image, matched or not. This is the non-E2EE baseline, not an option for encrypted messaging.',
  client: 'Nothing about the bank: the device only uploads the image; it does not learn whether it matched.',
  subversion:
    'The server can do anything with the images (scan for other content, hand them over); a client can ' +
    'only evade by altering the image beyond PDQ radius 31 (e.g. cropping more than about 2% a side).',
};

export class ServerPlaintextClient implements ClientDetector {
  readonly mode = MODE;
  async prepare(signals: ImageSignals): Promise<Uint8Array | undefined> {
    if (!(signals.bytes instanceof Uint8Array) || signals.bytes.length === 0) {
      throw new DetectionError(
        'DETECTION_INVALID_OPTION',
        'server-plaintext needs signals.bytes (the image)',
      );
    }
    return withHeader(MODE, signals.bytes);
  }
}

export class ServerPlaintextEvaluator implements ServerEvaluator {
  readonly mode = MODE;
  private readonly hasher = new PdqHasher();
  constructor(
    private readonly bank: BankIndex,
    private readonly bankName: string,
  ) {}

  async evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined> {
    const image = readHeader(MODE, payload);
    let hashed: Awaited<ReturnType<typeof hashImageBytes>>;
    try {
      hashed = await hashImageBytes(image, {}, this.hasher);
    } catch (error) {
      // MediaError messages are about the decoder, never the bytes; keep only the code.
      const reason = (error as { code?: unknown }).code;
      throw new DetectionError(
        'DETECTION_MALFORMED_PAYLOAD',
        `the image in the payload cannot be hashed (${typeof reason === 'string' ? reason : 'decode failed'})`,
      );
    }
    const match = this.bank.match(parsePdqHex(hashed.pdq), hashed.quality);
    if (match === undefined) return undefined;
    return [
      {
        mode: MODE,
        context,
        bankName: this.bankName,
        bankEntryId: match.bankEntryId,
        distance: match.distance,
        evidence: { quality: hashed.quality, pdq: hashed.pdq },
      },
    ];
  }
}

export const serverPlaintextMode: DetectionModeFactory = {
  name: MODE,
  leakage: serverPlaintextLeakage,
  async setup(options) {
    const bank = new BankIndex(options.bank.entries, matchParameters(options));
    return {
      client: new ServerPlaintextClient(),
      server: new ServerPlaintextEvaluator(bank, options.bank.bankName),
      async close() {},
    };
  },
};
