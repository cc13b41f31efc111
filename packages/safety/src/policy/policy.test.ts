import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafetyError } from '../errors.js';
import {
  type AgeBand,
  ageAt,
  bandAt,
  changeBirthDate,
  type Decision,
  decide,
  decideParentLink,
  defaultSettings,
  isLoosening,
  NO_RELATIONSHIP,
  type PolicyAction,
  parseBirthDate,
  parseSetting,
  type Relationship,
} from './index.js';

const NOW = Date.UTC(2026, 5, 15, 12); // 2026-06-15
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SafetyError);
    return error.code;
  }
  assert.fail('did not throw');
};
const person = (
  accountId: string,
  band: AgeBand,
  extra: { restricted?: boolean; parentLinked?: boolean } = {},
) => ({
  accountId,
  band,
  ...extra,
});
const rel = (extra: Partial<Relationship> = {}): Relationship => ({ ...NO_RELATIONSHIP, ...extra });
const ruleOf = (d: Decision) => (d.allowed ? 'ALLOWED' : d.rule);

describe('birth dates and age bands', () => {
  it('puts each birthday on the right side of 13, 16 and 18', () => {
    const cases: Array<[string, AgeBand, number]> = [
      ['2013-06-16', 'under13', 12], // turns 13 tomorrow
      ['2013-06-15', 'teen13to15', 13], // 13th birthday today
      ['2010-06-16', 'teen13to15', 15],
      ['2010-06-15', 'teen16to17', 16],
      ['2008-06-16', 'teen16to17', 17],
      ['2008-06-15', 'adult', 18],
      ['1960-01-01', 'adult', 66],
    ];
    for (const [text, band, age] of cases) {
      const date = parseBirthDate(text, NOW);
      assert.equal(ageAt(date, NOW), age, text);
      assert.equal(bandAt(date, NOW), band, text);
    }
  });

  it('ages a 29 February birthday on 1 March in common years', () => {
    const leap = parseBirthDate('2008-02-29', NOW);
    assert.equal(ageAt(leap, Date.UTC(2026, 1, 28)), 17);
    assert.equal(ageAt(leap, Date.UTC(2026, 2, 1)), 18);
  });

  it('refuses impossible birth dates with a code naming the problem', () => {
    assert.equal(
      code(() => parseBirthDate('2027-01-01', NOW)),
      'BIRTH_DATE_IN_FUTURE',
    );
    assert.equal(
      code(() => parseBirthDate('2026-06-16', NOW)),
      'BIRTH_DATE_IN_FUTURE',
    );
    assert.equal(
      code(() => parseBirthDate('1895-06-15', NOW)),
      'BIRTH_DATE_TOO_OLD',
    );
    assert.doesNotThrow(() => parseBirthDate('1895-06-16', NOW)); // 130, a day short of 131
    for (const bad of ['2010-02-30', '2010-13-01', '2010-00-10', '10-01-2010', '2010-1-1', '', 'yesterday'])
      assert.equal(
        code(() => parseBirthDate(bad, NOW)),
        'BIRTH_DATE_MALFORMED',
        bad,
      );
    assert.equal(
      code(() => parseBirthDate(20100101, NOW)),
      'BIRTH_DATE_MALFORMED',
    );
    const error = (() => {
      try {
        parseBirthDate('2030-01-01', NOW, 'dateOfBirth');
      } catch (e) {
        return e as SafetyError;
      }
    })();
    assert.equal(error?.field, 'dateOfBirth');
  });

  it('lets a correction within the band through but needs assurance to change band', () => {
    const profile = { birthDate: parseBirthDate('2011-03-01', NOW), assured: null }; // 15
    assert.equal(changeBirthDate(profile, '2011-04-01', NOW).birthDate.month, 4);
    assert.equal(
      code(() => changeBirthDate(profile, '1990-01-01', NOW)),
      'AGE_BAND_CHANGE_NEEDS_ASSURANCE',
    );
    const adult = { birthDate: parseBirthDate('1990-01-01', NOW), assured: null };
    // An adult claiming to be 14 is refused just the same.
    assert.equal(
      code(() => changeBirthDate(adult, '2012-01-01', NOW)),
      'AGE_BAND_CHANGE_NEEDS_ASSURANCE',
    );
    const unverified = { method: 'facial-estimation', band: 'adult' as const, verified: false };
    assert.equal(
      code(() => changeBirthDate(profile, '1990-01-01', NOW, unverified)),
      'AGE_BAND_CHANGE_NEEDS_ASSURANCE',
    );
    const wrongBand = { method: 'id-document', band: 'teen16to17' as const, verified: true };
    assert.equal(
      code(() => changeBirthDate(profile, '1990-01-01', NOW, wrongBand)),
      'AGE_BAND_CHANGE_NEEDS_ASSURANCE',
    );
    const assured = { method: 'id-document', band: 'adult' as const, verified: true };
    const changed = changeBirthDate(profile, '1990-01-01', NOW, assured);
    assert.equal(bandAt(changed.birthDate, NOW), 'adult');
    assert.deepEqual(changed.assured, assured);
    assert.equal(
      code(() => changeBirthDate(profile, '2031-01-01', NOW, assured)),
      'BIRTH_DATE_IN_FUTURE',
    );
  });
});

describe('defaults per band', () => {
  it('gives minors the strictest settings and adults open ones, location off for all', () => {
    for (const band of ['teen13to15', 'teen16to17'] as const) {
      assert.deepEqual(defaultSettings(band), {
        accountPrivate: true,
        discoverable: false,
        messagesFrom: 'contacts',
        groupAddsFrom: 'contacts',
        mediaFrom: 'contacts',
        locationSharing: false,
      });
    }
    const adult = defaultSettings('adult');
    assert.equal(adult.messagesFrom, 'everyone');
    assert.equal(adult.locationSharing, false);
    assert.equal(
      code(() => defaultSettings('under13')),
      'BAND_UNKNOWN',
    );
  });

  it('knows which changes loosen a setting', () => {
    const strict = defaultSettings('teen13to15');
    assert.equal(isLoosening(strict, 'accountPrivate', false), true);
    assert.equal(isLoosening(strict, 'discoverable', true), true);
    assert.equal(isLoosening(strict, 'mediaFrom', 'everyone'), true);
    assert.equal(isLoosening(strict, 'locationSharing', false), false);
    assert.equal(isLoosening(defaultSettings('adult'), 'messagesFrom', 'contacts'), false);
    assert.equal(
      code(() => parseSetting('nickname', true)),
      'SETTING_UNKNOWN',
    );
    assert.equal(
      code(() => parseSetting('discoverable', 'yes')),
      'SETTING_VALUE_INVALID',
    );
    assert.equal(
      code(() => parseSetting('mediaFrom', true)),
      'SETTING_VALUE_INVALID',
    );
  });
});

describe('decide: contact, conversations, groups, media', () => {
  const adult = person('a', 'adult');
  const adult2 = person('a2', 'adult');
  const teen14 = person('t14', 'teen13to15');
  const teen15 = person('t15', 'teen13to15');
  const teen17 = person('t17', 'teen16to17');
  const minorDefaults = defaultSettings('teen13to15');
  const adultDefaults = defaultSettings('adult');
  const kinds: PolicyAction[] = [
    { kind: 'contact.request' },
    { kind: 'conversation.create' },
    { kind: 'group.add' },
    { kind: 'media.deliver' },
  ];

  it('refuses every contact from an adult to an unconnected minor of either band', () => {
    for (const minor of [teen14, teen17]) {
      for (const action of kinds) {
        const d = decide(action, adult, minor, rel(), defaultSettings(minor.band));
        assert.equal(ruleOf(d), 'ADULT_TO_UNCONNECTED_MINOR', `${action.kind} -> ${minor.band}`);
        assert.ok(!d.allowed && d.reason.length > 0);
      }
    }
    // Even with the minor's settings loosened, and even while the adult's own request is pending.
    const open = { ...minorDefaults, messagesFrom: 'everyone' as const, groupAddsFrom: 'everyone' as const };
    assert.equal(
      ruleOf(decide({ kind: 'group.add' }, adult, teen17, rel({ contact: 'requested' }), open)),
      'ADULT_TO_UNCONNECTED_MINOR',
    );
  });

  it('lets an adult answer a minor who asked first, and reach accepted contacts and their own child', () => {
    assert.equal(
      ruleOf(
        decide(
          { kind: 'contact.request' },
          adult,
          teen14,
          rel({ contact: 'requestedByTarget' }),
          minorDefaults,
        ),
      ),
      'ALLOWED',
    );
    for (const action of kinds) {
      assert.equal(
        ruleOf(decide(action, adult, teen14, rel({ contact: 'accepted' }), minorDefaults)),
        'ALLOWED',
      );
      assert.equal(
        ruleOf(decide(action, adult, teen14, rel({ actorIsParent: true }), minorDefaults)),
        'ALLOWED',
      );
    }
    // Asking first does not open a conversation: that still waits for acceptance.
    assert.equal(
      ruleOf(
        decide(
          { kind: 'conversation.create' },
          adult,
          teen14,
          rel({ contact: 'requestedByTarget' }),
          minorDefaults,
        ),
      ),
      'ADULT_TO_UNCONNECTED_MINOR',
    );
  });

  it('holds minors to contacts-only by default, between minors too', () => {
    assert.equal(
      ruleOf(decide({ kind: 'contact.request' }, teen15, teen14, rel(), minorDefaults)),
      'ALLOWED',
    );
    assert.equal(
      ruleOf(decide({ kind: 'conversation.create' }, teen15, teen14, rel(), minorDefaults)),
      'MESSAGES_FROM_CONTACTS_ONLY',
    );
    assert.equal(
      ruleOf(decide({ kind: 'group.add' }, teen15, teen14, rel(), minorDefaults)),
      'GROUP_ADDS_FROM_CONTACTS_ONLY',
    );
    assert.equal(
      ruleOf(decide({ kind: 'media.deliver' }, teen17, teen14, rel(), minorDefaults)),
      'MEDIA_FROM_CONTACTS_ONLY',
    );
    const open = { ...minorDefaults, groupAddsFrom: 'everyone' as const, mediaFrom: 'everyone' as const };
    assert.equal(ruleOf(decide({ kind: 'group.add' }, teen15, teen17, rel(), open)), 'ALLOWED');
    assert.equal(ruleOf(decide({ kind: 'media.deliver' }, teen15, teen17, rel(), open)), 'ALLOWED');
    for (const action of kinds)
      assert.equal(
        ruleOf(decide(action, teen15, teen14, rel({ contact: 'accepted' }), minorDefaults)),
        'ALLOWED',
      );
  });

  it('leaves adults to their own settings', () => {
    for (const action of kinds)
      assert.equal(ruleOf(decide(action, adult, adult2, rel(), adultDefaults)), 'ALLOWED');
    const closed = { ...adultDefaults, messagesFrom: 'contacts' as const, mediaFrom: 'contacts' as const };
    assert.equal(
      ruleOf(decide({ kind: 'conversation.create' }, adult, adult2, rel(), closed)),
      'MESSAGES_FROM_CONTACTS_ONLY',
    );
    assert.equal(
      ruleOf(decide({ kind: 'media.deliver' }, teen14, adult2, rel(), closed)),
      'MEDIA_FROM_CONTACTS_ONLY',
    );
    // A minor may ask an adult (e.g. a relative) to connect.
    assert.equal(ruleOf(decide({ kind: 'contact.request' }, teen14, adult, rel(), adultDefaults)), 'ALLOWED');
  });

  it('refuses blocked pairs both ways, self-targets, under-13s and restricted accounts', () => {
    for (const action of kinds) {
      assert.equal(
        ruleOf(
          decide(action, teen15, teen14, rel({ contact: 'accepted', blockedByTarget: true }), minorDefaults),
        ),
        'BLOCKED',
      );
      assert.equal(
        ruleOf(decide(action, adult, adult2, rel({ blockedByActor: true }), adultDefaults)),
        'BLOCKED',
      );
    }
    assert.equal(
      ruleOf(decide({ kind: 'contact.request' }, adult, adult, rel(), adultDefaults)),
      'SELF_TARGET',
    );
    assert.equal(
      ruleOf(decide({ kind: 'contact.request' }, person('k', 'under13'), adult, rel(), adultDefaults)),
      'UNDER_13_NO_ACCOUNT',
    );
    const restricted = person('r', 'teen16to17', { restricted: true });
    assert.equal(
      ruleOf(decide({ kind: 'contact.request' }, restricted, teen14, rel(), minorDefaults)),
      'RISK_RESTRICTED_MINOR_CONTACT',
    );
    const restrictedAdult = person('ra', 'adult', { restricted: true });
    assert.equal(
      ruleOf(decide({ kind: 'contact.request' }, restrictedAdult, teen14, rel(), minorDefaults)),
      'RISK_RESTRICTED_MINOR_CONTACT',
    );
    // Restriction is about new contact with minors: adults and existing contacts stay reachable.
    assert.equal(
      ruleOf(decide({ kind: 'contact.request' }, restrictedAdult, adult2, rel(), adultDefaults)),
      'ALLOWED',
    );
    assert.equal(
      ruleOf(
        decide({ kind: 'media.deliver' }, restricted, teen14, rel({ contact: 'accepted' }), minorDefaults),
      ),
      'ALLOWED',
    );
  });

  it('throws on malformed input rather than guessing', () => {
    assert.equal(
      code(() =>
        decide({ kind: 'contact.request' }, person('x', 'child' as AgeBand), adult, rel(), adultDefaults),
      ),
      'BAND_UNKNOWN',
    );
    assert.equal(
      code(() => decide({ kind: 'wave' } as unknown as PolicyAction, adult, adult2, rel(), adultDefaults)),
      'ACTION_UNKNOWN',
    );
  });
});

describe('decide: setting changes and parents', () => {
  const minorDefaults = defaultSettings('teen13to15');
  const change = (key: string, value: unknown, parentApproved?: boolean) =>
    ({
      kind: 'setting.change',
      key,
      value,
      ...(parentApproved === undefined ? {} : { parentApproved }),
    }) as PolicyAction;

  it('makes an under-16 loosening wait for a linked parent, and refuses it without one', () => {
    const linked = person('t', 'teen13to15', { parentLinked: true });
    const unlinked = person('u', 'teen13to15');
    assert.equal(
      ruleOf(decide(change('discoverable', true), linked, linked, rel(), minorDefaults)),
      'PARENT_APPROVAL_REQUIRED',
    );
    assert.equal(
      ruleOf(decide(change('discoverable', true, true), linked, linked, rel(), minorDefaults)),
      'ALLOWED',
    );
    assert.equal(
      ruleOf(decide(change('discoverable', true), unlinked, unlinked, rel(), minorDefaults)),
      'PARENT_LINK_REQUIRED',
    );
    // Tightening never waits.
    const loose = { ...minorDefaults, discoverable: true };
    assert.equal(ruleOf(decide(change('discoverable', false), unlinked, unlinked, rel(), loose)), 'ALLOWED');
    // Open DMs are not available under 16 even with approval.
    assert.equal(
      ruleOf(decide(change('messagesFrom', 'everyone', true), linked, linked, rel(), minorDefaults)),
      'NOT_AVAILABLE_UNDER_16',
    );
  });

  it('lets 16-17s and adults loosen their own settings, and nobody else change them', () => {
    const t17 = person('s', 'teen16to17');
    assert.equal(
      ruleOf(decide(change('mediaFrom', 'everyone'), t17, t17, rel(), defaultSettings('teen16to17'))),
      'ALLOWED',
    );
    const adult = person('a', 'adult');
    const other = person('o', 'adult');
    assert.equal(
      ruleOf(
        decide(
          change('discoverable', false),
          other,
          adult,
          rel({ contact: 'accepted' }),
          defaultSettings('adult'),
        ),
      ),
      'NOT_OWNER_OR_PARENT',
    );
    const parent = person('p', 'adult');
    const child = person('c', 'teen13to15', { parentLinked: true });
    assert.equal(
      ruleOf(
        decide(change('accountPrivate', false), parent, child, rel({ actorIsParent: true }), minorDefaults),
      ),
      'ALLOWED',
    );
    assert.equal(
      code(() => decide(change('shoeSize', 9), adult, adult, rel(), defaultSettings('adult'))),
      'SETTING_UNKNOWN',
    );
  });

  it('links only an adult parent to a 13-17 child', () => {
    const allowed = decideParentLink(person('p', 'adult'), person('c', 'teen13to15'));
    assert.equal(allowed.allowed, true);
    const r = (x: { allowed: boolean; rule?: string }) => (x.allowed ? 'ALLOWED' : x.rule);
    assert.equal(
      r(decideParentLink(person('p', 'teen16to17'), person('c', 'teen13to15'))),
      'PARENT_MUST_BE_ADULT',
    );
    assert.equal(r(decideParentLink(person('p', 'adult'), person('c', 'adult'))), 'CHILD_MUST_BE_MINOR');
    assert.equal(r(decideParentLink(person('p', 'adult'), person('p', 'adult'))), 'SELF_TARGET');
  });
});
