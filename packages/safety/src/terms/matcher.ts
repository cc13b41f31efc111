import { SafetyError } from '../errors.js';
import { skeleton } from './normalise.js';

export interface TermListLimits {
  /** Most terms in one list (default 10,000). */
  maxTerms: number;
  /** Longest term, in characters (default 100). */
  maxTermLength: number;
}

export const DEFAULT_TERM_LIMITS: TermListLimits = { maxTerms: 10_000, maxTermLength: 100 };

export interface TermMatch {
  /** The term as the list gave it. */
  term: string;
  /** Which surface matched (the caller's label, e.g. "groupName"). */
  surface: string;
}

/**
 * A configurable term list matched against unencrypted surfaces (group names, descriptions,
 * display names) after normalisation (normalise.ts). A match must start where a token starts and
 * end where a token ends in the original text, so spacing and punctuation tricks ("b a d",
 * "b.a.d") match while a term inside a longer word does not.
 */
export class TermMatcher {
  private readonly terms: Array<{ term: string; skeleton: string }>;

  constructor(terms: readonly string[], limits: Partial<TermListLimits> = {}) {
    const { maxTerms, maxTermLength } = { ...DEFAULT_TERM_LIMITS, ...limits };
    if (!Array.isArray(terms))
      throw new SafetyError('TERM_INVALID', 'terms', 'terms must be an array of strings');
    if (terms.length > maxTerms) {
      throw new SafetyError(
        'TERM_LIST_TOO_LARGE',
        'terms',
        `terms has ${terms.length} entries, at most ${maxTerms} are accepted`,
      );
    }
    const seen = new Set<string>();
    this.terms = [];
    terms.forEach((term, i) => {
      if (typeof term !== 'string')
        throw new SafetyError('TERM_INVALID', `terms[${i}]`, `terms[${i}] must be a string`);
      if (term.length > maxTermLength) {
        throw new SafetyError(
          'TERM_LIST_TOO_LARGE',
          `terms[${i}]`,
          `terms[${i}] is ${term.length} characters, at most ${maxTermLength}`,
        );
      }
      const s = skeleton(term).letters;
      if (s.length < 2)
        throw new SafetyError(
          'TERM_INVALID',
          `terms[${i}]`,
          `terms[${i}] has fewer than 2 letters after normalisation`,
        );
      if (!seen.has(s)) {
        seen.add(s);
        this.terms.push({ term, skeleton: s });
      }
    });
  }

  get size(): number {
    return this.terms.length;
  }

  /** The terms found in `text` (each once), labelled with `surface`. */
  match(text: string, surface = 'text'): TermMatch[] {
    const { letters, starts, ends } = skeleton(text);
    const found: TermMatch[] = [];
    for (const { term, skeleton: s } of this.terms) {
      let at = letters.indexOf(s);
      while (at !== -1) {
        if (starts[at] && ends[at + s.length - 1]) {
          found.push({ term, surface });
          break;
        }
        at = letters.indexOf(s, at + 1);
      }
    }
    return found;
  }

  /** Matches several surfaces at once, e.g. { groupName, description, displayName }. */
  matchSurfaces(surfaces: Record<string, string | undefined>): TermMatch[] {
    return Object.entries(surfaces).flatMap(([surface, text]) => (text ? this.match(text, surface) : []));
  }
}
