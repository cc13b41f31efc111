import type { FormatCodec } from './format.js';

/**
 * Plain hex lines: one signal per line, optionally `,metadata` (free text to the end of the
 * line, kept with the entry). Blank lines are skipped. All lines share one signal type, given
 * by the caller. Only active entries are exported; metadata is written back after the comma.
 */
export const hexFormat: FormatCodec = {
  carriesInactive: false,
  carriesSignalType: () => false,
  createParser(context) {
    return {
      parse(text) {
        const comma = text.indexOf(',');
        const value = (comma < 0 ? text : text.slice(0, comma)).trim();
        if (value === '' && comma < 0) return null;
        return {
          signalType: context.signalType,
          value,
          metadata: comma < 0 ? null : text.slice(comma + 1),
          source: context.source,
        };
      },
    };
  },
  createFormatter() {
    return {
      header: undefined,
      line: (entry) => (entry.metadata === null ? entry.value : `${entry.value},${entry.metadata}`),
    };
  },
};
