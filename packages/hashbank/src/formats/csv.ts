import type { BankEntry, EntryInput } from '../bank/entry.js';
import { HashbankError } from '../bank/errors.js';
import { formatCsvLine, parseCsvLine } from './csv-line.js';
import type { FormatCodec, ParseContext } from './format.js';

/**
 * The ThreatExchange / HMA CSV shapes.
 *
 * `dataset` — what `threatexchange dataset --print-signals --csv` (python-threatexchange)
 * writes: a header `collab,signal_type,signal_str,category,tags`, then one row per signal.
 * collab -> source, signal_type -> our type (pdq, vpdq, md5/video_md5, sha256/video_sha256),
 * signal_str -> value, category -> the label `category:<CATEGORY>`, tags (space-separated) ->
 * labels. Columns are found by name, in any order; signal_type and signal_str are required.
 *
 * `rollup` — the headerless rows of ThreatExchange's simple descriptor roll-up, as in HMA's
 * sample data (`hasher-matcher-actioner/sample_data/pdq.csv`):
 * `signal,descriptor_id,added_on,tags`, e.g.
 * `acec...5992,2880742865368386,2020-07-31T18:47:52+0000,media_type_photo disputed`.
 * descriptor_id -> external id, added_on -> added_at, tags -> labels; the signal type is the
 * caller's (one type per file).
 *
 * On import the shape is detected from the first line: a header naming signal_type or
 * signal_str means `dataset`, anything else is a `rollup` data row.
 */
export const DATASET_COLUMNS = ['collab', 'signal_type', 'signal_str', 'category', 'tags'] as const;
const CATEGORY_PREFIX = 'category:';

export const csvFormat: FormatCodec = {
  carriesInactive: false,
  carriesSignalType: ({ csvShape }) => csvShape === 'dataset',
  createParser(context) {
    let columns: Map<string, number> | undefined;
    let width = 0;
    let first = true;
    return {
      parse(text) {
        if (text.trim() === '') return null;
        const fields = parseCsvLine(text);
        if (first) {
          first = false;
          const names = fields.map((f) => f.trim().toLowerCase());
          if (names.includes('signal_type') || names.includes('signal_str')) {
            for (const required of ['signal_type', 'signal_str']) {
              if (!names.includes(required)) {
                throw invalid(
                  `CSV header has no ${required} column (has: ${names.join(', ')})`,
                  'missing-column',
                );
              }
            }
            columns = new Map(names.map((name, index) => [name, index]));
            width = names.length;
            return null;
          }
        }
        return columns ? datasetRow(fields, columns, width, context) : rollupRow(fields, context);
      },
    };
  },
  createFormatter({ csvShape }) {
    if (csvShape === 'rollup') {
      return {
        header: undefined,
        line: (entry) =>
          formatCsvLine([
            entry.value,
            entry.externalId ?? '',
            threatExchangeTime(entry.addedAt),
            entry.labels.join(' '),
          ]),
      };
    }
    return {
      header: DATASET_COLUMNS.join(','),
      line: (entry) => {
        const { category, tags } = splitCategory(entry);
        return formatCsvLine([entry.source ?? '', entry.signalType, entry.value, category, tags.join(' ')]);
      },
    };
  },
};

function datasetRow(
  fields: string[],
  columns: Map<string, number>,
  width: number,
  context: ParseContext,
): EntryInput {
  if (fields.length !== width) {
    throw invalid(`expected ${width} CSV fields as in the header, got ${fields.length}`, 'missing-column');
  }
  const get = (name: string): string => {
    const index = columns.get(name);
    return index === undefined ? '' : (fields[index] as string);
  };
  const labels = splitTags(get('tags'));
  const category = get('category').trim();
  if (category !== '') labels.push(`${CATEGORY_PREFIX}${category}`);
  const collab = get('collab');
  return {
    signalType: get('signal_type'),
    value: get('signal_str'),
    source: collab === '' ? context.source : collab,
    labels,
  };
}

function rollupRow(fields: string[], context: ParseContext): EntryInput {
  if (fields.length !== 4) {
    throw invalid(
      `expected 4 CSV fields (signal,descriptor_id,added_on,tags) or a header naming signal_type and signal_str, got ${fields.length}`,
      'missing-column',
    );
  }
  const [value, descriptorId, addedOn, tags] = fields as [string, string, string, string];
  return {
    signalType: context.signalType,
    value,
    externalId: descriptorId === '' ? null : descriptorId,
    addedAt: addedOn === '' ? null : addedOn,
    labels: splitTags(tags),
    source: context.source,
  };
}

function splitTags(tags: string): string[] {
  return tags.split(' ').filter((tag) => tag !== '');
}

function splitCategory(entry: BankEntry): { category: string; tags: string[] } {
  const index = entry.labels.findIndex((label) => label.startsWith(CATEGORY_PREFIX));
  if (index < 0) return { category: '', tags: entry.labels };
  return {
    category: (entry.labels[index] as string).slice(CATEGORY_PREFIX.length),
    tags: entry.labels.filter((_, i) => i !== index),
  };
}

/** ThreatExchange's time text: `2020-07-31T18:47:52+0000` (seconds, numeric UTC offset). */
export function threatExchangeTime(iso: string): string {
  return `${iso.slice(0, 19)}+0000`;
}

function invalid(message: string, problem: 'missing-column' | 'malformed'): HashbankError {
  return new HashbankError('BANK_INVALID_FIELD', message, { problem });
}
