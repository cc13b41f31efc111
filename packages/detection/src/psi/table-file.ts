// The blinded table as devices download it (GET /v1/detection/psi/table): a short header, then the
// elements exactly as they sit in memory, so the server can stream them without copying or
// encoding (a 1M-entry bank's table is ~800 MB; JSON or base64 would add a third and a copy).
//   'S' 'L' 'P' 'T' | u8 version (1) | u8 seed length | seed | u32 size | size × 32 bytes elements
// The bytes prove nothing by themselves: the device checks the decoded table against the
// publication (verifyPsiParameters) before it makes any voucher.
import { PsiError } from './errors.js';
import { type BlindedTable, ELEMENT_BYTES } from './table.js';

const MAGIC = [0x53, 0x4c, 0x50, 0x54] as const;
const VERSION = 1;

/** Everything before the elements. */
export function psiTableHeader(table: BlindedTable): Uint8Array {
  if (table.seed.length > 255) throw new PsiError('PSI_MALFORMED_TABLE', 'table.seed is over 255 bytes');
  const header = new Uint8Array(4 + 1 + 1 + table.seed.length + 4);
  header.set(MAGIC, 0);
  header[4] = VERSION;
  header[5] = table.seed.length;
  header.set(table.seed, 6);
  new DataView(header.buffer).setUint32(6 + table.seed.length, table.size);
  return header;
}

/** Header plus elements: the exact byte length the table route serves. */
export function psiTableFileBytes(table: BlindedTable): number {
  return psiTableHeader(table).length + table.elements.length;
}

/** Parses a downloaded table; PSI_MALFORMED_TABLE names what does not add up. */
export function decodePsiTable(bytes: Uint8Array): BlindedTable {
  const malformed = (why: string) => new PsiError('PSI_MALFORMED_TABLE', `psi table refused: ${why}`);
  if (bytes.length < 6 || MAGIC.some((b, i) => bytes[i] !== b)) throw malformed('it is not a psi table');
  if (bytes[4] !== VERSION) throw malformed(`unsupported version ${bytes[4]}`);
  const seedLength = bytes[5] as number;
  const at = 6 + seedLength;
  if (bytes.length < at + 4) throw malformed('truncated before the size');
  const size = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
  const elements = bytes.subarray(at + 4);
  if (elements.length !== size * ELEMENT_BYTES) {
    throw malformed(`size says ${size} elements, the body holds ${elements.length} bytes`);
  }
  return { seed: bytes.slice(6, at), size, elements };
}
