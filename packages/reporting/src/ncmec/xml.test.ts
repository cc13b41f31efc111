import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReportXml, NcmecValidationError, parseXml } from '../index.js';
import { HOSTILE_TEXT, sampleReport } from './test-support/fixtures.js';
import { element, escapeXmlAttribute, escapeXmlText, forbiddenXmlCharacters, serializeXml } from './xml.js';

function contentOf(xml: string): string {
  const root = parseXml(xml);
  const chat = root.children.find((c) => c.name === 'internetDetails')!.children[0]!;
  return chat.children.find((c) => c.name === 'content')!.text!;
}

describe('XML escaping of user text', () => {
  it('escapes < and & so markup in user text stays text', () => {
    assert.equal(escapeXmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
    const { xml } = buildReportXml(
      sampleReport({ chats: [{ content: '<script>x</script> & <![CDATA[y]]>' }] }),
    );
    assert.ok(!xml.includes('<script>'));
    assert.equal(contentOf(xml), '<script>x</script> & <![CDATA[y]]>');
  });

  it('never lets ]]> through unescaped', () => {
    const { xml } = buildReportXml(sampleReport({ chats: [{ content: 'end ]]> of section' }] }));
    assert.ok(!xml.includes(']]>'), 'the document must not contain a raw ]]>');
    assert.equal(contentOf(xml), 'end ]]> of section');
  });

  it('escapes quotes, tabs and newlines in attributes so they survive parsing', () => {
    assert.equal(escapeXmlAttribute('a"b\tc\nd'), 'a&quot;b&#9;c&#10;d');
    const xml = serializeXml(element('x', 'v', { note: 'one "two"\n\tthree & <four>' }));
    assert.equal(parseXml(xml).attributes.note, 'one "two"\n\tthree & <four>');
  });

  it('keeps tab, LF, CR and astral characters in text', () => {
    const text = 'line1\r\nline2\ttabbed \u{1F600} \uE000';
    const { xml } = buildReportXml(sampleReport({ chats: [{ content: text }] }));
    assert.equal(contentOf(xml), text);
  });

  it('finds every character XML 1.0 forbids and nothing else', () => {
    assert.deepEqual(forbiddenXmlCharacters('ok\t\n\r text \u{1F600}'), []);
    assert.deepEqual(forbiddenXmlCharacters('a\u0000b\u0001c\u001Fd\uFFFEe\uFFFF'), [
      'U+0000',
      'U+0001',
      'U+001F',
      'U+FFFE',
      'U+FFFF',
    ]);
    assert.deepEqual(forbiddenXmlCharacters('x\uD800y\uDC00z'), ['U+D800', 'U+DC00']);
  });

  it('removes forbidden characters by default and says where', () => {
    const built = buildReportXml(sampleReport());
    assert.equal(forbiddenXmlCharacters(built.xml).length, 0);
    const field = built.removed.find((r) => r.field === 'report/internetDetails/chatImIncident/content');
    assert.deepEqual(field?.characters, ['U+0001', 'U+0007', 'U+D800', 'U+FFFF']);
    assert.match(contentOf(built.xml), /bell lone {2}end$/);
  });

  it('refuses forbidden characters with a clear error naming the field when asked to', () => {
    assert.throws(
      () =>
        buildReportXml(sampleReport({ chats: [{ content: HOSTILE_TEXT }] }), {
          forbiddenCharacters: 'refuse',
        }),
      (error: unknown) =>
        error instanceof NcmecValidationError &&
        error.code === 'XML_FORBIDDEN_CHARACTER' &&
        error.field === 'report/internetDetails/chatImIncident/content' &&
        /U\+0001/.test(error.message),
    );
  });

  it('refuses forbidden characters in attribute values too', () => {
    const report = sampleReport({
      chats: [],
      reporter: {
        reportingPerson: {
          emails: [{ address: 'a@example.org' }],
          phones: [{ number: '1', extension: '1\u0002' }],
        },
      },
    });
    assert.throws(
      () => buildReportXml(report, { forbiddenCharacters: 'refuse' }),
      (error: unknown) =>
        error instanceof NcmecValidationError &&
        error.field === 'report/reporter/reportingPerson/phone/@extension',
    );
  });

  it('the serializer itself refuses a forbidden character rather than write it', () => {
    assert.throws(() => serializeXml(element('x', 'a\u0000b')), {
      code: 'XML_FORBIDDEN_CHARACTER',
      field: 'x',
    });
  });
});

describe('parseXml', () => {
  it('refuses documents that are not well-formed', () => {
    assert.throws(() => parseXml('<report><incidentSummary></report>'), { code: 'XML_MALFORMED' });
    assert.throws(() => parseXml('<a/><b/>'), { code: 'XML_MALFORMED' });
    assert.throws(() => parseXml('<a>\u0001</a>'), { code: 'XML_MALFORMED' });
  });

  it('refuses a DOCTYPE (no entity expansion)', () => {
    assert.throws(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'), { code: 'XML_MALFORMED' });
  });
});
