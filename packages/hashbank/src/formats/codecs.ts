import { csvFormat } from './csv.js';
import type { BankFormat, FormatCodec } from './format.js';
import { hexFormat } from './hex.js';
import { jsonlFormat } from './jsonl.js';

export const CODECS: Readonly<Record<BankFormat, FormatCodec>> = {
  hex: hexFormat,
  csv: csvFormat,
  jsonl: jsonlFormat,
};
