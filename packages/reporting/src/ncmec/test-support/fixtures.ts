import { createHash } from 'node:crypto';
import type { NcmecFileFacts, NcmecReport } from '../../index.js';
import type { NcmecCaseFile } from '../index.js';

/** Benign bytes standing in for a reported file (never real content). */
export function benignFile(seed: string, size = 2048): Uint8Array {
  const out = new Uint8Array(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i++) {
    if (i % 32 === 0 && i > 0) block = createHash('sha256').update(block).digest();
    out[i] = block[i % 32]!;
  }
  return out;
}

export const HOSTILE_TEXT = 'see <b>this</b> & that ]]> "quoted" \u0001bell\u0007 \uD800lone \uFFFF end';

export function sampleReport(overrides: Partial<NcmecReport> = {}): NcmecReport {
  return {
    incident: {
      type: 'Child Pornography (possession, manufacture, and distribution)',
      platform: 'Safelight Messenger',
      annotations: ['sextortion'],
      dateTime: new Date('2026-11-20T10:15:00Z'),
      dateTimeDescription: 'Time the reported message was received by the server',
    },
    chats: [
      {
        chatClient: 'Safelight Messenger (MLS end-to-end encrypted)',
        chatRoomName: 'conversation 7f3a',
        content: `[2026-11-20T10:14:00Z] user-42: ${HOSTILE_TEXT}`,
        additionalInfo: 'Content disclosed by the recipient with a verified message frank',
      },
    ],
    reporter: {
      reportingPerson: {
        firstName: 'Trust',
        lastName: 'Safety',
        emails: [{ address: 'safety@example.org' }],
      },
      contactPerson: {
        firstName: 'On',
        lastName: 'Call',
        phones: [{ number: '5550100', countryCallingCode: '+1' }],
      },
      termsOfService: 'https://example.org/terms',
    },
    reportedUsers: [
      {
        espIdentifier: 'acct-42',
        espService: 'Safelight Messenger',
        screenName: 'user<42>&co',
        displayNames: ['Display ]]> Name'],
        ipCaptureEvents: [
          { ipAddress: '192.0.2.10', eventName: 'Login', at: new Date('2026-11-20T09:00:00Z') },
        ],
        accountStatus: {
          kind: 'permanentlyDisabled',
          disabledAt: new Date('2026-11-20T11:00:00Z'),
          userNotified: false,
        },
      },
    ],
    victims: [{ person: { age: 13 }, espIdentifier: 'acct-7' }],
    additionalInfo: 'Case case-1',
    ...overrides,
  };
}

export function sampleFacts(bytes: Uint8Array): NcmecFileFacts {
  return {
    originalFileName: 'photo <1>.jpg',
    uploadedToEspAt: new Date('2026-11-20T10:14:00Z'),
    viewedByEsp: true,
    publiclyAvailable: false,
    relevance: 'Reported',
    industryClassification: 'B2',
    originalHashes: [
      { type: 'MD5', value: createHash('md5').update(bytes).digest('hex') },
      { type: 'SHA256', value: createHash('sha256').update(bytes).digest('hex') },
      { type: 'PDQ', value: 'f'.repeat(64) },
    ],
  };
}

export function sampleCaseFile(key: string): NcmecCaseFile {
  const bytes = benignFile(key);
  return {
    key,
    bytes,
    fileName: `${key}.bin`,
    contentType: 'application/octet-stream',
    facts: sampleFacts(bytes),
  };
}
