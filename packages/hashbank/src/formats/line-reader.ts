import { isUtf8 } from 'node:buffer';
import { HashbankError, type LineProblem } from '../bank/errors.js';

/** 64 KiB: far above any real line (a PDQ line is 65 bytes, a long vPDQ a few KiB). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export type Line =
  | { number: number; text: string }
  | { number: number; problem: Extract<LineProblem, 'line-too-long' | 'invalid-utf8'>; reason: string };

/**
 * Splits a byte stream into numbered UTF-8 lines (LF or CRLF; a BOM on line 1 is dropped),
 * holding at most `maxLineBytes` of any one line: a longer line is reported as `line-too-long`
 * and its remaining bytes are skipped as they arrive, so a 2 GB line costs no memory.
 * node:readline would buffer the whole line first, which is why this exists.
 */
export async function* readLines(
  source: AsyncIterable<Uint8Array | string>,
  options: { maxLineBytes?: number; onBytes?: (count: number) => void } = {},
): AsyncGenerator<Line> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let number = 0;

  const finish = (last: Buffer | undefined): Line => {
    number++;
    if (tooLong) {
      tooLong = false;
      parts = [];
      partBytes = 0;
      return tooLongLine(number, max);
    }
    let bytes: Buffer;
    if (parts.length === 0) bytes = last ?? Buffer.alloc(0);
    else {
      if (last !== undefined) parts.push(last);
      bytes = Buffer.concat(parts);
    }
    parts = [];
    partBytes = 0;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    let start = 0;
    if (number === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    const view = bytes.subarray(start, end);
    if (view.length > max) return tooLongLine(number, max);
    if (!isUtf8(view)) return { number, problem: 'invalid-utf8', reason: 'line is not valid UTF-8' };
    return { number, text: view.toString('utf8') };
  };

  const keep = (piece: Buffer): void => {
    if (tooLong || piece.length === 0) return;
    // +1 allows the CR of a CRLF line ending that sits just past the limit.
    if (partBytes + piece.length > max + 1) {
      tooLong = true;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(piece);
    partBytes += piece.length;
  };

  try {
    for await (const chunk of source) {
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, 'utf8')
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      options.onBytes?.(buffer.length);
      let start = 0;
      for (;;) {
        const newline = buffer.indexOf(0x0a, start);
        if (newline < 0) {
          keep(buffer.subarray(start));
          break;
        }
        const piece = buffer.subarray(start, newline);
        // A line that fits in this chunk is decoded in place, without copying.
        if (!tooLong && parts.length === 0 && piece.length <= max + 1) {
          yield finish(piece);
        } else {
          keep(piece);
          yield finish(undefined);
        }
        start = newline + 1;
      }
    }
  } catch (error) {
    if (error instanceof HashbankError) throw error;
    throw new HashbankError(
      'BANK_READ_FAILED',
      `cannot read input: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (tooLong || partBytes > 0) yield finish(undefined);
}

function tooLongLine(number: number, max: number): Line {
  return { number, problem: 'line-too-long', reason: `line too long (over ${max} bytes)` };
}
