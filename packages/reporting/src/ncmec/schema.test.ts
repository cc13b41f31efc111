import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildFileDetailsXml,
  buildReportXml,
  documentIssues,
  FILE_DETAILS_SCHEMA,
  INCIDENT_TYPES,
  type IncidentType,
  NcmecValidationError,
  parseXml,
  REPORT_SCHEMA,
  validateDocument,
} from '../index.js';
import { benignFile, sampleFacts, sampleReport } from './test-support/fixtures.js';

function names(xml: string, path: string[]): string[] {
  let el = parseXml(xml);
  for (const step of path) el = el.children.find((c) => c.name === step)!;
  return el.children.map((c) => c.name);
}

function issuesOf(xml: string, spec = REPORT_SCHEMA) {
  return documentIssues(parseXml(xml), spec).map((i) => `${i.code} ${i.field}`);
}

const MINIMAL = `<report>
  <incidentSummary>
    <incidentType>Child Sex Trafficking</incidentType>
    <incidentDateTime>2026-11-20T10:15:00Z</incidentDateTime>
  </incidentSummary>
  <reporter><reportingPerson><email>safety@example.org</email></reportingPerson></reporter>
</report>`;

describe('the report builder', () => {
  it('writes the sections in the schema order', () => {
    const { xml } = buildReportXml(sampleReport({ batched: { reason: 'VIRAL_POTENTIAL_MEME' } }));
    assert.deepEqual(names(xml, []), [
      'batchedReport',
      'incidentSummary',
      'internetDetails',
      'reporter',
      'personOrUserReported',
      'victim',
      'additionalInfo',
    ]);
    assert.deepEqual(names(xml, ['incidentSummary']), [
      'incidentType',
      'platform',
      'reportAnnotations',
      'incidentDateTime',
      'incidentDateTimeDescription',
    ]);
    assert.deepEqual(names(xml, ['personOrUserReported']), [
      'espIdentifier',
      'espService',
      'screenName',
      'displayName',
      'ipCaptureEvent',
      'accountPermanentlyDisabled',
    ]);
  });

  it('writes the account status with its dates and the incident time in UTC', () => {
    const { xml } = buildReportXml(sampleReport());
    const root = parseXml(xml);
    const user = root.children.find((c) => c.name === 'personOrUserReported')!;
    const status = user.children.find((c) => c.name === 'accountPermanentlyDisabled')!;
    assert.equal(status.text, 'true');
    assert.equal(status.attributes.disabledDate, '2026-11-20T11:00:00.000Z');
    assert.equal(status.attributes.userNotified, 'false');
    assert.match(xml, /<incidentDateTime>2026-11-20T10:15:00.000Z<\/incidentDateTime>/);
    const temp = buildReportXml(
      sampleReport({
        reportedUsers: [{ espIdentifier: 'a', accountStatus: { kind: 'temporarilyDisabled' } }],
      }),
    );
    assert.match(temp.xml, /<accountTemporarilyDisabled>true<\/accountTemporarilyDisabled>/);
  });

  it('accepts every NCMEC incident type and refuses anything else', () => {
    for (const type of INCIDENT_TYPES)
      buildReportXml(sampleReport({ incident: { type, dateTime: '2026-01-01T00:00:00Z' } }));
    assert.throws(
      () =>
        buildReportXml(
          sampleReport({
            incident: { type: 'Child Pornography' as IncidentType, dateTime: '2026-01-01T00:00:00Z' },
          }),
        ),
      { code: 'VALUE_NOT_IN_ENUMERATION', field: 'report/incidentSummary/incidentType' },
    );
  });

  it('refuses an incident time that is not an xs:dateTime', () => {
    assert.throws(
      () =>
        buildReportXml(sampleReport({ incident: { type: 'Child Sex Tourism', dateTime: '20 Nov 2026' } })),
      { code: 'VALUE_INVALID', field: 'report/incidentSummary/incidentDateTime' },
    );
    assert.throws(
      () =>
        buildReportXml(
          sampleReport({ incident: { type: 'Child Sex Tourism', dateTime: '2026-02-30T00:00:00Z' } }),
        ),
      { code: 'VALUE_INVALID' },
    );
    assert.throws(
      () =>
        buildReportXml(
          sampleReport({ incident: { type: 'Child Sex Tourism', dateTime: new Date(Number.NaN) } }),
        ),
      { code: 'VALUE_INVALID', field: 'report/incidentSummary/incidentDateTime' },
    );
  });

  it('refuses a phone country code outside the pattern', () => {
    const report = sampleReport({
      reporter: { reportingPerson: { phones: [{ number: '5550100', countryCallingCode: '1' }] } },
    });
    assert.throws(() => buildReportXml(report), {
      code: 'VALUE_INVALID',
      field: 'report/reporter/reportingPerson/phone/@countryCallingCode',
    });
  });
});

describe('the file details builder', () => {
  it('writes ids, viewed flag, classification and the original hashes in order', () => {
    const bytes = benignFile('f1');
    const { xml } = buildFileDetailsXml({ ...sampleFacts(bytes), reportId: '1000001', fileId: 'abc123' });
    assert.deepEqual(names(xml, []), [
      'reportId',
      'fileId',
      'originalFileName',
      'uploadedToEspTimestamp',
      'fileViewedByEsp',
      'publiclyAvailable',
      'fileRelevance',
      'industryClassification',
      'originalFileHash',
      'originalFileHash',
      'originalFileHash',
    ]);
    const hashes = parseXml(xml).children.filter((c) => c.name === 'originalFileHash');
    assert.deepEqual(
      hashes.map((h) => h.attributes.hashType),
      ['MD5', 'SHA256', 'PDQ'],
    );
  });

  it('refuses an industry classification that is not A1, A2, B1 or B2', () => {
    assert.throws(
      () =>
        buildFileDetailsXml({
          reportId: '1',
          fileId: 'x',
          industryClassification: 'C1' as 'A1',
        }),
      { code: 'VALUE_NOT_IN_ENUMERATION', field: 'fileDetails/industryClassification' },
    );
  });

  it('refuses a reportId that is not an xs:long', () => {
    assert.throws(() => buildFileDetailsXml({ reportId: 'R-1', fileId: 'x' }), {
      code: 'VALUE_INVALID',
      field: 'fileDetails/reportId',
    });
    assert.throws(() => buildFileDetailsXml({ reportId: '9223372036854775808', fileId: 'x' }), {
      code: 'VALUE_INVALID',
    });
  });

  it('refuses both potentialMeme and annotations (the schema allows one of them)', () => {
    assert.throws(
      () => buildFileDetailsXml({ reportId: '1', fileId: 'x', potentialMeme: true, annotations: ['viral'] }),
      { code: 'ELEMENT_OUT_OF_ORDER', field: 'fileDetails/fileAnnotations' },
    );
    buildFileDetailsXml({ reportId: '1', fileId: 'x', annotations: ['viral', 'potentialMeme'] });
  });
});

describe('the validator (the test double relies on it)', () => {
  it('accepts a minimal report', () => {
    assert.deepEqual(issuesOf(MINIMAL), []);
  });

  it('names a missing required element', () => {
    const xml = MINIMAL.replace(/<incidentType>.*<\/incidentType>/, '');
    assert.deepEqual(issuesOf(xml), ['ELEMENT_MISSING report/incidentSummary/incidentType']);
    assert.deepEqual(issuesOf(MINIMAL.replace(/<reporter>.*<\/reporter>/, '')), [
      'ELEMENT_MISSING report/reporter',
    ]);
  });

  it('names an element out of order', () => {
    const xml = `<report>
      <incidentSummary>
        <incidentDateTime>2026-11-20T10:15:00Z</incidentDateTime>
        <incidentType>Child Sex Trafficking</incidentType>
      </incidentSummary>
      <reporter><reportingPerson/></reporter>
    </report>`;
    const issues = issuesOf(xml);
    assert.ok(issues.includes('ELEMENT_MISSING report/incidentSummary/incidentType'), issues.join());
    const swapped = `<report><reporter><reportingPerson/></reporter>${MINIMAL.slice(8, MINIMAL.indexOf('<reporter>'))}</report>`;
    assert.ok(
      issuesOf(swapped).includes('ELEMENT_OUT_OF_ORDER report/incidentSummary'),
      issuesOf(swapped).join(),
    );
  });

  it('names an unknown element and an unknown attribute', () => {
    const xml = MINIMAL.replace('</reporter>', '</reporter><favouriteColour>blue</favouriteColour>');
    assert.deepEqual(issuesOf(xml), ['ELEMENT_UNEXPECTED report/favouriteColour']);
    const attr = MINIMAL.replace('<incidentSummary>', '<incidentSummary colour="blue">');
    assert.deepEqual(issuesOf(attr), ['ATTRIBUTE_UNEXPECTED report/incidentSummary/@colour']);
  });

  it('names a repeated element that may appear once', () => {
    const xml = MINIMAL.replace(
      '<incidentDateTime>',
      '<platform>a</platform><platform>b</platform><incidentDateTime>',
    );
    assert.deepEqual(issuesOf(xml), ['ELEMENT_TOO_MANY report/incidentSummary/platform']);
  });

  it('refuses an annotation flag set to false (fixed to true in the schema)', () => {
    const xml = MINIMAL.replace(
      '<incidentDateTime>',
      '<reportAnnotations><spam>false</spam></reportAnnotations><incidentDateTime>',
    );
    assert.deepEqual(issuesOf(xml), ['VALUE_INVALID report/incidentSummary/reportAnnotations/spam']);
  });

  it('requires the batchedReport reason from its enumeration', () => {
    assert.deepEqual(issuesOf(MINIMAL.replace('<report>', '<report><batchedReport/>')), [
      'ATTRIBUTE_MISSING report/batchedReport/@reason',
    ]);
    assert.deepEqual(issuesOf(MINIMAL.replace('<report>', '<report><batchedReport reason="FUNNY"/>')), [
      'VALUE_NOT_IN_ENUMERATION report/batchedReport/@reason',
    ]);
  });

  it('refuses a character reference to a forbidden character', () => {
    for (const ref of ['&#1;', '&#x1F;', '&#xFFFE;', '&#xD800;']) {
      const xml = MINIMAL.replace('</reporter>', `</reporter><additionalInfo>a${ref}b</additionalInfo>`);
      assert.throws(() => parseXml(xml), { code: 'XML_MALFORMED' }, ref);
    }
    const ok = MINIMAL.replace('</reporter>', '</reporter><additionalInfo>a&#9;&#x1F600;b</additionalInfo>');
    assert.equal(parseXml(ok).children.at(-1)?.text, 'a\t\u{1F600}b');
  });

  it('requires internetDetails to hold one incident kind', () => {
    const xml = MINIMAL.replace('<reporter>', '<internetDetails/><reporter>');
    assert.deepEqual(issuesOf(xml), [
      'ELEMENT_MISSING report/internetDetails/(webPageIncident|chatImIncident)',
    ]);
  });

  it('requires fileDetails ids and the hashType attribute', () => {
    assert.deepEqual(issuesOf('<fileDetails><fileId>a</fileId></fileDetails>', FILE_DETAILS_SCHEMA), [
      'ELEMENT_MISSING fileDetails/reportId',
    ]);
    assert.deepEqual(
      issuesOf(
        '<fileDetails><reportId>1</reportId><fileId>a</fileId><originalFileHash>ab</originalFileHash></fileDetails>',
        FILE_DETAILS_SCHEMA,
      ),
      ['ATTRIBUTE_MISSING fileDetails/originalFileHash/@hashType'],
    );
  });

  it('carries every problem in the error, the first as its code and field', () => {
    const xml = MINIMAL.replace('Child Sex Trafficking', 'Nope').replace('2026-11-20T10:15:00Z', 'yesterday');
    try {
      validateDocument(parseXml(xml), REPORT_SCHEMA);
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof NcmecValidationError);
      assert.equal(error.code, 'VALUE_NOT_IN_ENUMERATION');
      assert.equal(error.field, 'report/incidentSummary/incidentType');
      assert.equal(error.issues.length, 2);
      assert.match(error.message, /and 1 more/);
    }
  });
});
