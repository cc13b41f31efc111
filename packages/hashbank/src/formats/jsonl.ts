import { HashbankError } from '../bank/errors.js';
import type { FormatCodec } from './format.js';

/**
 * JSON Lines, our own lossless format: one object per line with every field of an entry,
 * always in this key order and with null for absent values, so exports are byte-stable:
 *
 *   {"signal_type":"pdq","value":"f8f8...","source":"Example Org","external_id":"123",
 *    "added_at":"2024-05-06T07:08:09.000Z","removed_at":null,"labels":["A1"],"disabled":false,
 *    "metadata":null}
 *
 * On import only signal_type and value are required; unknown keys are refused (a typo such as
 * "lables" would otherwise drop data silently).
 */
export const JSONL_KEYS = [
  'signal_type',
  'value',
  'source',
  'external_id',
  'added_at',
  'removed_at',
  'labels',
  'disabled',
  'metadata',
] as const;

const KNOWN = new Set<string>(JSONL_KEYS);

export const jsonlFormat: FormatCodec = {
  carriesInactive: true,
  carriesSignalType: () => true,
  createParser(context) {
    return {
      parse(text) {
        if (text.trim() === '') return null;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          throw invalid('not valid JSON', 'malformed');
        }
        if (typeof record !== 'object' || record === null || Array.isArray(record)) {
          throw invalid('each line must be a JSON object', 'malformed');
        }
        const fields = record as Record<string, unknown>;
        for (const key of Object.keys(fields)) {
          if (!KNOWN.has(key))
            throw invalid(`unknown field ${JSON.stringify(key.slice(0, 40))}`, 'invalid-field');
        }
        for (const key of ['signal_type', 'value'] as const) {
          if (fields[key] === undefined) throw invalid(`missing field "${key}"`, 'missing-column');
        }
        if (fields.labels !== undefined && fields.labels !== null && !Array.isArray(fields.labels)) {
          throw invalid('"labels" must be an array', 'invalid-field');
        }
        return {
          signalType: fields.signal_type as string,
          value: fields.value as string,
          source: (fields.source as string | null | undefined) ?? context.source,
          externalId: fields.external_id as string | null | undefined,
          addedAt: fields.added_at as string | null | undefined,
          removedAt: fields.removed_at as string | null | undefined,
          labels: (fields.labels as string[] | null | undefined) ?? [],
          disabled: fields.disabled as boolean | undefined,
          metadata: fields.metadata as string | null | undefined,
        };
      },
    };
  },
  createFormatter() {
    return {
      header: undefined,
      line: (entry) =>
        JSON.stringify({
          signal_type: entry.signalType,
          value: entry.value,
          source: entry.source,
          external_id: entry.externalId,
          added_at: entry.addedAt,
          removed_at: entry.removedAt,
          labels: entry.labels,
          disabled: entry.disabled,
          metadata: entry.metadata,
        }),
    };
  },
};

function invalid(message: string, problem: 'malformed' | 'invalid-field' | 'missing-column'): HashbankError {
  return new HashbankError('BANK_INVALID_FIELD', message, { problem });
}
