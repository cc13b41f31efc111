import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafetyError } from '../errors.js';
import { skeleton, TermMatcher } from './index.js';

// Ordinary words stand in for the risky phrases a platform would list.
const list = ['pineapple', 'sunflower', 'bad', 'blue whale'];
const matcher = new TermMatcher(list);
const terms = (text: string) => matcher.match(text).map((m) => m.term);

describe('term matching with normalisation', () => {
  it('matches confusable, leetspeak, case, width and accent variants of an entry', () => {
    const variants = [
      'pineapple',
      'PINEAPPLE',
      'ＰＩＮＥＡＰＰＬＥ', // fullwidth (NFKC)
      '𝐩𝐢𝐧𝐞𝐚𝐩𝐩𝐥𝐞', // mathematical bold (NFKC)
      'рinеаpple', // Cyrillic р, е, а
      'pιnεapple', // Greek ι, ε
      'p1n34ppl3', // leetspeak
      'p!ne@pp|e',
      'pìñéàpplé', // accents
      'piiineaaapple', // stretched
    ];
    for (const v of variants) assert.deepEqual(terms(`join the ${v} club`), ['pineapple'], v);
  });

  it('matches spacing and punctuation tricks', () => {
    for (const v of [
      'p i n e a p p l e',
      'p.i.n.e.a.p.p.l.e',
      'p-i-n-e-a-p-p-l-e',
      'pine\u200bapple',
      'b a d',
      'b.4.d',
      'blue whale',
      'BLUE-WHALE',
      'b l u e w h a l e',
    ])
      assert.ok(terms(`group: ${v}!`).length === 1, v);
  });

  it('does not match a term inside a longer word or an unrelated word', () => {
    for (const v of ['abadan', 'badge', 'sunflowers', 'pineapples', 'a bag', 'blueberry whaler', 'dad'])
      assert.deepEqual(terms(v), [], v);
    // Cyrillic text that is not a look-alike stays itself.
    assert.deepEqual(terms('дача'), []);
  });

  it('labels matches by surface', () => {
    const found = matcher.matchSurfaces({
      groupName: 'Sunflower fans',
      description: undefined,
      displayName: 'b@d',
    });
    assert.deepEqual(found, [
      { term: 'sunflower', surface: 'groupName' },
      { term: 'bad', surface: 'displayName' },
    ]);
  });

  it('gives the same skeleton to a term and its variants', () => {
    assert.equal(skeleton('Sunflower').letters, skeleton('SUNFL0WER').letters);
    assert.equal(skeleton('s u n f l o w e r').letters, skeleton('sunflower').letters);
  });

  it('refuses oversized term lists and empty terms with a clear error', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof SafetyError);
        return [e.code, e.field];
      }
    };
    const many = Array.from({ length: 10_001 }, (_, i) => `term${i}x`);
    assert.deepEqual(
      code(() => new TermMatcher(many)),
      ['TERM_LIST_TOO_LARGE', 'terms'],
    );
    assert.deepEqual(
      code(() => new TermMatcher(['ok', 'x'.repeat(101)])),
      ['TERM_LIST_TOO_LARGE', 'terms[1]'],
    );
    assert.deepEqual(
      code(() => new TermMatcher(['fine', '...'])),
      ['TERM_INVALID', 'terms[1]'],
    );
    assert.deepEqual(
      code(() => new TermMatcher(['fine', 7 as unknown as string])),
      ['TERM_INVALID', 'terms[1]'],
    );
    assert.equal(
      new TermMatcher(['Bad', 'b4d', 'BAD']).size,
      1,
      'duplicates after normalisation fold into one',
    );
  });
});
