/**
 * Conformance with NCMEC's own report schema: when ../shared/data/ncmec/cybertipline-report.xsd is
 * present, documents the builder writes are validated by a real XSD validator (xmllint, from
 * Debian's libxml2-utils), and documents the project's validator refuses must be refused by the XSD
 * too. Skips with a reason when the schema or xmllint is missing locally; in CI (CI set) a missing
 * xmllint fails instead.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hasSharedData, sharedPath } from '../../../../tests/support/shared-data.js';
import { buildFileDetailsXml, buildReportXml, documentIssues, parseXml, REPORT_SCHEMA } from '../index.js';
import { benignFile, sampleFacts, sampleReport } from './test-support/fixtures.js';

const XSD = ['ncmec', 'cybertipline-report.xsd'] as const;
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

function skipReason(): string | false {
  if (!hasSharedData(...XSD)) return `../shared/data/${XSD.join('/')} is not present`;
  if (!hasXmllint) {
    if (process.env.CI) return false; // never silently in CI: the tests run and fail
    return 'xmllint is not installed (apt-get install libxml2-utils)';
  }
  return false;
}

const dir = mkdtempSync(join(tmpdir(), 'ncmec-xsd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function xsdVerdict(xml: string): { valid: boolean; output: string } {
  assert.ok(hasXmllint, 'xmllint is required in CI (libxml2-utils, installed by .ci/run)');
  const file = join(dir, `doc-${++n}.xml`);
  writeFileSync(file, xml);
  const run = spawnSync('xmllint', ['--noout', '--schema', sharedPath(...XSD), file], { encoding: 'utf8' });
  return { valid: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('generated CyberTipline documents against NCMEC’s XSD', { skip: skipReason() }, () => {
  const reports = {
    full: sampleReport(),
    batched: sampleReport({ batched: { reason: 'VIRAL_POTENTIAL_MEME' } }),
    minimal: {
      incident: { type: 'Online Enticement of Children for Sexual Acts', dateTime: '2026-11-20T10:15:00Z' },
      reporter: { reportingPerson: { emails: [{ address: 'safety@example.org' }] } },
    },
    everything: sampleReport({
      incident: {
        type: 'Unsolicited Obscene Material Sent to a Child',
        platform: 'Safelight',
        escalateToHighPriority: 'Meeting arranged for tomorrow',
        annotations: [
          'sextortion',
          'csamSolicitation',
          'minorToMinorInteraction',
          'spam',
          'sadisticOnlineExploitation',
        ],
        dateTime: new Date('2026-11-20T10:15:00Z'),
      },
      webPages: [
        { urls: ['https://example.org/a?x=1&y=<2>'], thirdPartyHostedContent: true, additionalInfo: 'x' },
      ],
      reportedUsers: [
        {
          person: {
            firstName: 'A',
            lastName: 'B',
            age: 30,
            dateOfBirth: '1996-01-02',
            emails: [{ address: 'a@example.org', type: 'Home', verified: true }],
          },
          espIdentifier: 'acct-1',
          compromisedAccount: false,
          profileUrls: ['https://example.org/u/1'],
          profileBio: 'bio & <more>',
          deviceIds: [{ idType: 'device', idValue: 'd-1', eventName: 'Upload', at: '2026-11-20T10:00:00Z' }],
          thirdPartyUserReported: false,
          priorCTReports: ['123456'],
          groupIdentifier: 'g-1',
          accountStatus: {
            kind: 'temporarilyDisabled',
            disabledAt: new Date('2026-11-20T11:00:00Z'),
            reenabledAt: new Date('2026-11-27T11:00:00Z'),
          },
        },
      ],
      victims: [{ person: { age: 12 }, schoolName: 'Unknown', accountStatus: { kind: 'active' } }],
    }),
  } as const;

  for (const [name, report] of Object.entries(reports)) {
    it(`the ${name} report validates`, () => {
      const { xml } = buildReportXml(report);
      const verdict = xsdVerdict(xml);
      assert.ok(verdict.valid, verdict.output);
    });
  }

  it('file details with hashes, classification and annotations validate', () => {
    const bytes = benignFile('conformance');
    for (const extra of [{}, { annotations: ['viral', 'generativeAi'] as const }, { potentialMeme: true }]) {
      const { xml } = buildFileDetailsXml({
        ...sampleFacts(bytes),
        ...extra,
        fileName: 'a.bin',
        locationOfFile: 'https://example.org/m/1',
        exifViewedByEsp: false,
        additionalInfo: ['one', 'two'],
        reportId: '1000001',
        fileId: '0123abcd',
      });
      const verdict = xsdVerdict(xml);
      assert.ok(verdict.valid, verdict.output);
    }
  });

  it('documents the project refuses, the XSD refuses too', () => {
    const { xml } = buildReportXml(sampleReport());
    const reporterBlock = / {2}<reporter>[\s\S]*?<\/reporter>\n/.exec(xml)![0];
    const broken = [
      xml.replace(/<incidentType>[^<]*</, '<incidentType>Child Pornography<'),
      xml.replace(/<incidentDateTime>[^<]*</, '<incidentDateTime>yesterday<'),
      xml.replace(reporterBlock, '').replace('  <incidentSummary>', `${reporterBlock}  <incidentSummary>`),
      xml.replace('<report>', '<report><batchedReport reason="FUNNY"/>'),
      xml.replace(/<screenName>/, '<nickname>x</nickname><screenName>'),
    ];
    for (const doc of broken) {
      assert.ok(documentIssues(parseXml(doc), REPORT_SCHEMA).length > 0, `the project accepted:\n${doc}`);
      assert.equal(xsdVerdict(doc).valid, false, `the XSD accepted:\n${doc}`);
    }
  });
});
