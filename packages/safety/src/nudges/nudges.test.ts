import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafetyError } from '../errors.js';
import { detectNudges, NudgeDetector } from './detector.js';
import { NUDGE_RULES_EN, type NudgeCategory, type NudgeRuleTable } from './rules.js';

function categories(text: string): NudgeCategory[] {
  return detectNudges(text).map((n) => n.category);
}

describe('grooming-risk nudges', () => {
  const positives: Array<[string, NudgeCategory]> = [
    ["don't tell your mom about our chats", 'secrecy'],
    ['dont tell anyone ok', 'secrecy'],
    ['this is our little secret', 'secrecy'],
    ['keep it between us', 'secrecy'],
    ['delete our chats after', 'secrecy'],
    ['add me on snapchat', 'move-platform'],
    ['lets talk on telegram instead', 'move-platform'],
    ['whats ur discord', 'move-platform'],
    ['send me a pic', 'photo-request'],
    ['can you send a selfie', 'photo-request'],
    ['turn on your camera', 'photo-request'],
    ['where do you live', 'location-request'],
    ['what school do you go to?', 'location-request'],
    ['are you home alone', 'location-request'],
    ['how old are you?', 'age-request'],
    ['asl', 'age-request'],
    ["I'll buy you a gift card", 'gift-offer'],
    ['i can send you some robux', 'gift-offer'],
    ['want free vbucks?', 'gift-offer'],
  ];
  for (const [text, category] of positives) {
    it(`"${text}" -> ${category}`, () => {
      assert.deepEqual(categories(text), [category]);
    });
  }

  const negatives = [
    'tell me about the science project',
    'where is the library',
    "don't tell me the ending of the movie",
    'how old is your dog',
    'what grade did you get on the test',
    'I saw a picture of a volcano in the book',
    'my mom bought a gift for my teacher',
    'we talked about signals in physics class',
    'which city is the capital of France',
    'add me to the project group',
    'did you delete the draft essay',
    '',
  ];
  for (const text of negatives) {
    it(`does not fire on "${text}"`, () => {
      assert.deepEqual(categories(text), []);
    });
  }

  it('offers the child a trusted-person path, block and report, with a child-facing message', () => {
    const [nudge] = detectNudges('send me a pic');
    assert.ok(nudge);
    assert.equal(nudge.language, 'en');
    assert.equal(nudge.message, NUDGE_RULES_EN.messages['photo-request']);
    assert.deepEqual(
      nudge.actions.map((a) => [a.kind, a.label]),
      [
        ['talk-to-someone-you-trust', 'Talk to someone you trust'],
        ['block', 'Block'],
        ['report', 'Report'],
      ],
    );
  });

  it('normalises like the term lists: case, accents, confusables, leetspeak, spacing', () => {
    assert.deepEqual(categories('DON’T TELL YOUR MOM'), ['secrecy']);
    assert.deepEqual(categories('s3nd m3 a p1c'), ['photo-request']);
    // Cyrillic о and е in "where do you live"
    assert.deepEqual(categories('whеrе dо you live'), ['location-request']);
    assert.deepEqual(categories('  where,   do   you live ?? '), ['location-request']);
    assert.deepEqual(categories('ａｄｄ ｍｅ ｏｎ ｓｎａｐ'), ['move-platform']); // fullwidth
  });

  it('reports several categories in one message, once each', () => {
    const found = categories("send me a pic and don't tell your dad, then add me on whatsapp, send me a pic");
    assert.deepEqual(new Set(found), new Set(['photo-request', 'secrecy', 'move-platform']));
    assert.equal(found.length, 3);
  });

  it('ships a Spanish table; languages are data', () => {
    const [nudge] = detectNudges('no le digas a tu mamá');
    assert.equal(nudge?.category, 'secrecy');
    assert.equal(nudge?.language, 'es');
    assert.equal(nudge?.actions[0]?.label, 'Habla con alguien de confianza');
    assert.deepEqual(categories('¿dónde vives?'), ['location-request']);
  });

  it('a custom table works alone and rejects malformed rules', () => {
    const table: NudgeRuleTable = {
      ...NUDGE_RULES_EN,
      classes: { friend: ['pal', 'buddy'] },
      rules: [{ category: 'secrecy', phrases: ['hush ~ {friend}'] }],
    };
    const detector = new NudgeDetector([table]);
    assert.deepEqual(
      detector.detect('hush now my pal').map((n) => n.category),
      ['secrecy'],
    );
    assert.deepEqual(detector.detect("don't tell your mom"), []);
    const bad = (rules: NudgeRuleTable['rules']) => () => new NudgeDetector([{ ...NUDGE_RULES_EN, rules }]);
    for (const rules of [
      [{ category: 'secrecy' as const, phrases: ['tell {nosuchclass}'] }],
      [{ category: 'secrecy' as const, phrases: ['?maybe ~'] }],
      [{ category: 'secrecy' as const, phrases: ['tell ...'] }],
    ]) {
      assert.throws(bad(rules), (e: unknown) => e instanceof SafetyError && e.code === 'NUDGE_RULES_INVALID');
    }
    assert.throws(
      () => new NudgeDetector([]),
      (e: unknown) => e instanceof SafetyError && e.code === 'NUDGE_RULES_INVALID',
    );
  });

  it('makes no network request', () => {
    const original = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = (() => {
      calls++;
      throw new Error('no network');
    }) as typeof fetch;
    try {
      const detector = new NudgeDetector();
      for (const [text] of positives) detector.detect(text);
    } finally {
      globalThis.fetch = original;
    }
    assert.equal(calls, 0);
  });
});
