import { HashbankError } from './errors.js';

/**
 * vPDQ values: a video's per-frame PDQ hashes with their quality and timestamp.
 *
 * Canonical text (what we store, export and commit to): frames in video order, separated by `;`,
 * each `PDQHEX:QUALITY:SECONDS` with 64 lowercase hex characters, an integer quality 0..100 and
 * the timestamp in seconds with exactly three decimals, e.g.
 *   `e271...055c:100:0.000;c0f1...055c:98:1.000`
 * It contains no comma, quote or space, so it fits unquoted in hex lines and CSV fields.
 *
 * Also accepted on input: python-threatexchange's compact JSON (`vpdq_to_json`), an array of
 * `"PDQHEX,QUALITY,SECONDS"` strings. Frame numbers are not kept: vPDQ comparison uses only the
 * hashes and their quality, and the timestamp already places the frame.
 */
export interface VpdqFrame {
  pdqHex: string;
  quality: number;
  seconds: number;
}

const FRAME_PATTERN = /^([0-9a-fA-F]{64})[:,](\d{1,3})[:,](\d+(?:\.\d+)?)$/;

export function parseVpdq(value: string): VpdqFrame[] {
  const text = value.trim();
  const parts = text.startsWith('[') ? jsonFrames(text) : text.split(';');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) {
    throw invalid('vpdq value has no frames', 'malformed');
  }
  return parts.map((part, index) => parseFrame(part, index));
}

export function formatVpdq(frames: readonly VpdqFrame[]): string {
  return frames
    .map((frame) => `${frame.pdqHex.toLowerCase()}:${frame.quality}:${frame.seconds.toFixed(3)}`)
    .join(';');
}

/** Validates a vPDQ value in either accepted form and returns its canonical text. */
export function normalizeVpdq(value: string): string {
  return formatVpdq(parseVpdq(value));
}

function jsonFrames(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('vpdq value starts with "[" but is not valid JSON', 'malformed');
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw invalid('vpdq JSON must be an array of "PDQHEX,QUALITY,SECONDS" strings', 'malformed');
  }
  return parsed as string[];
}

function parseFrame(part: string, index: number): VpdqFrame {
  const match = FRAME_PATTERN.exec(part.trim());
  if (!match) {
    const hex = part.trim().split(/[:,]/)[0] ?? '';
    if (/^[0-9a-fA-F]+$/.test(hex) && hex.length !== 64) {
      throw invalid(
        `vpdq frame ${index + 1}: pdq hash must be 64 hex characters, got ${hex.length}`,
        'wrong-length',
      );
    }
    throw invalid(`vpdq frame ${index + 1} is not PDQHEX:QUALITY:SECONDS`, 'malformed');
  }
  const quality = Number(match[2]);
  if (quality > 100) throw invalid(`vpdq frame ${index + 1}: quality ${quality} is above 100`, 'malformed');
  const seconds = Number(match[3]);
  if (!Number.isFinite(seconds))
    throw invalid(`vpdq frame ${index + 1}: timestamp is not finite`, 'malformed');
  return { pdqHex: (match[1] as string).toLowerCase(), quality, seconds };
}

function invalid(message: string, problem: 'malformed' | 'wrong-length'): HashbankError {
  return new HashbankError('BANK_INVALID_SIGNAL', message, { problem });
}
