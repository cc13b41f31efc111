// The matching all plaintext-side modes share (server-plaintext on the server, client-match on
// the device, enclave inside the matcher): a PdqIndex (multi-index hashing, exact radius) over a
// bank snapshot, with the quality floor applied before any lookup.
import { PdqIndex } from '@safelight/hashbank/isomorphic';
import { PDQ_HASH_WORDS, type PdqHash } from '@safelight/pdq';
import { DetectionError } from './errors.js';
import { DEFAULT_QUALITY_FLOOR, DEFAULT_RADIUS, type DetectionSetupOptions } from './mode.js';

export interface BankMatch {
  readonly bankEntryId: string;
  readonly distance: number;
}

export interface MatchParameters {
  readonly radius: number;
  readonly qualityFloor: number;
}

/** Radius and quality floor from setup options, validated (0..255 bits, 0..100 quality). */
export function matchParameters(
  options: Pick<DetectionSetupOptions, 'radius' | 'qualityFloor'>,
): MatchParameters {
  const radius = options.radius ?? DEFAULT_RADIUS;
  const qualityFloor = options.qualityFloor ?? DEFAULT_QUALITY_FLOOR;
  if (!Number.isInteger(radius) || radius < 0 || radius > 255) {
    throw new DetectionError('DETECTION_INVALID_OPTION', 'radius must be an integer from 0 to 255');
  }
  if (!Number.isInteger(qualityFloor) || qualityFloor < 0 || qualityFloor > 100) {
    throw new DetectionError('DETECTION_INVALID_OPTION', 'qualityFloor must be an integer from 0 to 100');
  }
  return { radius, qualityFloor };
}

export class BankIndex {
  private readonly index: PdqIndex;
  private readonly ids: string[];

  constructor(
    entries: ReadonlyArray<{ readonly id: string; readonly pdq: PdqHash }>,
    readonly parameters: MatchParameters,
  ) {
    const words = new Uint32Array(entries.length * PDQ_HASH_WORDS);
    const numbers = new Float64Array(entries.length);
    this.ids = new Array(entries.length);
    entries.forEach((entry, i) => {
      if (!(entry.pdq instanceof Uint32Array) || entry.pdq.length !== PDQ_HASH_WORDS) {
        throw new DetectionError('DETECTION_INVALID_OPTION', `bank entry ${i} has no 256-bit PDQ hash`);
      }
      words.set(entry.pdq, i * PDQ_HASH_WORDS);
      numbers[i] = i;
      this.ids[i] = entry.id;
    });
    this.index = PdqIndex.fromHashes(numbers, words, { capacity: entries.length });
  }

  get size(): number {
    return this.ids.length;
  }

  /** The nearest bank entry within the radius, or undefined (also for quality below the floor). */
  match(pdq: PdqHash, quality: number): BankMatch | undefined {
    if (!(quality >= this.parameters.qualityFloor)) return undefined;
    const [best] = this.index.query(pdq, this.parameters.radius);
    if (best === undefined) return undefined;
    return { bankEntryId: this.ids[best.id] as string, distance: best.distance };
  }
}
