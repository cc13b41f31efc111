/**
 * Normalisation for term matching on unencrypted surfaces (group names, descriptions, display
 * names): NFKC (fullwidth, mathematical alphanumerics, ligatures), case folding, accents removed,
 * confusables mapped to Latin, leetspeak mapped to letters, repeated letters collapsed. Both the
 * term list and the text go through the same function, so a term matches its own skeleton.
 *
 * Confusables: a documented subset of Unicode TR39 confusables.txt (the Cyrillic, Greek and
 * Armenian letters that look like Latin ones in common fonts). The `confusables` npm package
 * (1.1.1) was considered and not used: it maps letters that are not look-alikes (д -> a, λ -> a),
 * which turns ordinary words in other scripts into false matches (docs/safety.md).
 */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  ү: 'y',
  ɡ: 'g',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
  ς: 'c',
  // Armenian and Latin look-alikes
  օ: 'o',
  ս: 'u',
  ց: 'g',
  ı: 'i',
  ȷ: 'j',
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
};

/** Leetspeak: digits and symbols read as letters. `1` and `|` read as `i` (skeleton: l -> i too). */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '2': 'z',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '6': 'g',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'i',
  '€': 'e',
  '£': 'l',
  '+': 't',
};

const COMBINING = /\p{M}/gu;
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const WORD = /[\p{L}\p{Nd}]/u;

export interface Skeleton {
  /** The letters of the text, normalised, with separators removed. */
  letters: string;
  /** For each letter: does it start a token (a run of letters/digits in the original)? */
  starts: boolean[];
  /** For each letter: does it end a token? */
  ends: boolean[];
}

/**
 * The skeleton of `text`. Separators (spaces, punctuation, zero-width characters) are dropped
 * but remembered as token boundaries, so "b a d", "b.a.d" and "b\u200bad" all give "bad" whose
 * match starts at a token start and ends at a token end, while "abadan" does not.
 */
export function skeleton(text: string): Skeleton {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING, '')
    .normalize('NFC');
  const letters: string[] = [];
  const starts: boolean[] = [];
  const ends: boolean[] = [];
  let inToken = false;
  const chars = [...folded];
  for (let i = 0; i < chars.length; i++) {
    const raw = chars[i] as string;
    let ch = CONFUSABLES[raw] ?? raw;
    // Digits always read as letters; a symbol ("@", "!", "|"...) only when a letter or digit
    // follows it ("b@d", "p!ne"), not as trailing punctuation ("pineapple!").
    if (LEET[ch] !== undefined && (DIGIT.test(ch) || WORD.test(chars[i + 1] ?? ''))) ch = LEET[ch] as string;
    if (ch === 'ß') ch = 'ss';
    if (ch === 'l') ch = 'i';
    if (!LETTER.test(ch)) {
      if (inToken && ends.length > 0) ends[ends.length - 1] = true;
      inToken = false;
      continue;
    }
    for (const c of ch) {
      // Collapse repeats ("baaad" -> "bad", "p p" -> "p"), across separators too so spaced-out
      // text gives the same letters; a collapsed letter that opens a token marks that start.
      if (letters[letters.length - 1] === c) {
        if (!inToken) starts[starts.length - 1] = true;
        inToken = true;
        continue;
      }
      letters.push(c);
      starts.push(!inToken);
      ends.push(false);
      inToken = true;
    }
  }
  if (ends.length > 0) ends[ends.length - 1] = true;
  return { letters: letters.join(''), starts, ends };
}
