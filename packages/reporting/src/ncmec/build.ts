import { NcmecValidationError } from './errors.js';
import type {
  NcmecAccount,
  NcmecAccountStatus,
  NcmecDeviceId,
  NcmecEmail,
  NcmecFileDetails,
  NcmecIpCaptureEvent,
  NcmecPerson,
  NcmecPhone,
  NcmecReport,
  NcmecReportedUser,
  NcmecVictim,
} from './model.js';
import { FILE_DETAILS_SCHEMA, REPORT_SCHEMA, validateDocument } from './schema.js';
import {
  element,
  forbiddenXmlCharacters,
  removeForbiddenXmlCharacters,
  serializeXml,
  type XmlElement,
} from './xml.js';

export interface BuildOptions {
  /**
   * What to do with characters XML 1.0 cannot carry (C0 controls other than tab/LF/CR, lone
   * surrogates, U+FFFE/U+FFFF) in user text: 'remove' them and list where in `removed` (the
   * default: a report must not fail because a user typed a control character), or 'refuse' with
   * XML_FORBIDDEN_CHARACTER naming the field.
   */
  readonly forbiddenCharacters?: 'remove' | 'refuse';
}

export interface BuiltDocument {
  readonly xml: string;
  /** Where forbidden characters were removed, and which (U+XXXX); empty when none were. */
  readonly removed: ReadonlyArray<{ readonly field: string; readonly characters: readonly string[] }>;
}

type Child = XmlElement | undefined | readonly (XmlElement | undefined)[];

function node(name: string, children: readonly Child[], attributes: Record<string, string | undefined> = {}) {
  const flat = children.flat().filter((c): c is XmlElement => c !== undefined);
  return element(name, flat, attributes);
}

function text(name: string, value: string | undefined): XmlElement | undefined {
  return value === undefined || value === '' ? undefined : element(name, value);
}

function bool(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

function moment(value: Date | string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Number.isNaN(value.getTime())) {
    throw new NcmecValidationError([{ code: 'VALUE_INVALID', field, message: `${field}: not a valid date` }]);
  }
  return value.toISOString();
}

function integer(value: number | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value)) {
    throw new NcmecValidationError([
      { code: 'VALUE_INVALID', field, message: `${field}: ${value} is not an integer` },
    ]);
  }
  return String(value);
}

function phones(name: string, list: readonly NcmecPhone[] | undefined) {
  return (list ?? []).map((p) =>
    element(name, p.number, {
      type: p.type,
      verified: bool(p.verified),
      countryCallingCode: p.countryCallingCode,
      extension: p.extension,
    }),
  );
}

function emails(name: string, list: readonly NcmecEmail[] | undefined) {
  return (list ?? []).map((e) => element(name, e.address, { type: e.type, verified: bool(e.verified) }));
}

function person(
  name: string,
  p: NcmecPerson | undefined,
  path: string,
  withAge = true,
): XmlElement | undefined {
  if (!p) return undefined;
  return node(name, [
    text('firstName', p.firstName),
    text('lastName', p.lastName),
    phones('phone', p.phones),
    emails('email', p.emails),
    withAge ? text('age', integer(p.age, `${path}/age`)) : undefined,
    withAge ? text('dateOfBirth', p.dateOfBirth) : undefined,
  ]);
}

function ipEvents(list: readonly NcmecIpCaptureEvent[] | undefined, path: string) {
  return (list ?? []).map((e) =>
    node('ipCaptureEvent', [
      text('ipAddress', e.ipAddress),
      text('eventName', e.eventName),
      text('dateTime', moment(e.at, `${path}/ipCaptureEvent/dateTime`)),
      text('possibleProxy', bool(e.possibleProxy)),
      text('port', integer(e.port, `${path}/ipCaptureEvent/port`)),
    ]),
  );
}

function deviceIds(list: readonly NcmecDeviceId[] | undefined, path: string) {
  return (list ?? []).map((d) =>
    node('deviceId', [
      text('idType', d.idType),
      text('idValue', d.idValue),
      text('eventName', d.eventName),
      text('dateTime', moment(d.at, `${path}/deviceId/dateTime`)),
    ]),
  );
}

function accountStatus(status: NcmecAccountStatus | undefined, path: string): XmlElement | undefined {
  if (!status || status.kind === 'active') return undefined;
  if (status.kind === 'temporarilyDisabled') {
    return element('accountTemporarilyDisabled', 'true', {
      disabledDate: moment(status.disabledAt, `${path}/accountTemporarilyDisabled/@disabledDate`),
      userNotified: bool(status.userNotified),
      userNotifiedDate: moment(status.userNotifiedAt, `${path}/accountTemporarilyDisabled/@userNotifiedDate`),
      reenabledDate: moment(status.reenabledAt, `${path}/accountTemporarilyDisabled/@reenabledDate`),
    });
  }
  return element('accountPermanentlyDisabled', 'true', {
    disabledDate: moment(status.disabledAt, `${path}/accountPermanentlyDisabled/@disabledDate`),
    userNotified: bool(status.userNotified),
    userNotifiedDate: moment(status.userNotifiedAt, `${path}/accountPermanentlyDisabled/@userNotifiedDate`),
  });
}

function accountHead(a: NcmecAccount) {
  return [
    text('espIdentifier', a.espIdentifier),
    text('espService', a.espService),
    text('compromisedAccount', bool(a.compromisedAccount)),
    text('screenName', a.screenName),
    (a.displayNames ?? []).map((d) => text('displayName', d)),
    (a.profileUrls ?? []).map((u) => text('profileUrl', u)),
    text('profileBio', a.profileBio),
  ];
}

function reportedUser(u: NcmecReportedUser): XmlElement {
  const path = 'report/personOrUserReported';
  return node('personOrUserReported', [
    person('personOrUserReportedPerson', u.person, `${path}/personOrUserReportedPerson`),
    ...accountHead(u),
    ipEvents(u.ipCaptureEvents, path),
    deviceIds(u.deviceIds, path),
    text('thirdPartyUserReported', bool(u.thirdPartyUserReported)),
    (u.priorCTReports ?? []).map((r) => text('priorCTReports', r)),
    text('groupIdentifier', u.groupIdentifier),
    accountStatus(u.accountStatus, path),
    text('additionalInfo', u.additionalInfo),
  ]);
}

function victim(v: NcmecVictim): XmlElement {
  const path = 'report/victim';
  return node('victim', [
    person('victimPerson', v.person, `${path}/victimPerson`) ?? element('victimPerson', []),
    ...accountHead(v),
    ipEvents(v.ipCaptureEvents, path),
    deviceIds(v.deviceIds, path),
    text('schoolName', v.schoolName),
    (v.priorCTReports ?? []).map((r) => text('priorCTReports', r)),
    accountStatus(v.accountStatus, path),
    text('additionalInfo', v.additionalInfo),
  ]);
}

/** The report as an element tree in NCMEC's order (not yet cleaned or validated). */
export function reportElement(report: NcmecReport): XmlElement {
  const i = report.incident;
  return node('report', [
    report.batched ? element('batchedReport', undefined, { reason: report.batched.reason }) : undefined,
    node('incidentSummary', [
      text('incidentType', i.type),
      text('platform', i.platform),
      text('escalateToHighPriority', i.escalateToHighPriority),
      i.annotations && i.annotations.length > 0
        ? node(
            'reportAnnotations',
            [...new Set(i.annotations)].map((a) => element(a, 'true')),
          )
        : undefined,
      element('incidentDateTime', moment(i.dateTime, 'report/incidentSummary/incidentDateTime') ?? ''),
      text('incidentDateTimeDescription', i.dateTimeDescription),
    ]),
    (report.webPages ?? []).map((w) =>
      node('internetDetails', [
        node(
          'webPageIncident',
          [w.urls.map((u) => text('url', u)), text('additionalInfo', w.additionalInfo)],
          { thirdPartyHostedContent: bool(w.thirdPartyHostedContent) },
        ),
      ]),
    ),
    (report.chats ?? []).map((c) =>
      node('internetDetails', [
        node('chatImIncident', [
          text('chatClient', c.chatClient),
          text('chatRoomName', c.chatRoomName),
          text('content', c.content),
          text('additionalInfo', c.additionalInfo),
        ]),
      ]),
    ),
    node('reporter', [
      person('reportingPerson', report.reporter.reportingPerson, 'report/reporter/reportingPerson') ??
        element('reportingPerson', []),
      person('contactPerson', report.reporter.contactPerson, 'report/reporter/contactPerson', false),
      text('companyTemplate', report.reporter.companyTemplate),
      text('termsOfService', report.reporter.termsOfService),
      text('legalURL', report.reporter.legalUrl),
    ]),
    (report.reportedUsers ?? []).map(reportedUser),
    (report.victims ?? []).map(victim),
    text('additionalInfo', report.additionalInfo),
  ]);
}

/** The file details as an element tree in NCMEC's order. */
export function fileDetailsElement(d: NcmecFileDetails): XmlElement {
  return node('fileDetails', [
    text('reportId', d.reportId),
    text('fileId', d.fileId),
    text('fileName', d.fileName),
    text('originalFileName', d.originalFileName),
    text('uploadedToEspTimestamp', moment(d.uploadedToEspAt, 'fileDetails/uploadedToEspTimestamp')),
    text('locationOfFile', d.locationOfFile),
    text('fileViewedByEsp', bool(d.viewedByEsp)),
    text('exifViewedByEsp', bool(d.exifViewedByEsp)),
    text('publiclyAvailable', bool(d.publiclyAvailable)),
    text('fileRelevance', d.relevance),
    text('potentialMeme', bool(d.potentialMeme)),
    d.annotations && d.annotations.length > 0
      ? node(
          'fileAnnotations',
          [...new Set(d.annotations)].map((a) => element(a, 'true')),
        )
      : undefined,
    text('industryClassification', d.industryClassification),
    (d.originalHashes ?? []).map((h) => element('originalFileHash', h.value, { hashType: h.type })),
    (d.additionalInfo ?? []).map((a) => text('additionalInfo', a)),
  ]);
}

/** Removes (recording where) or refuses forbidden characters in every text and attribute value. */
function clean(
  root: XmlElement,
  policy: 'remove' | 'refuse',
  removed: Array<{ field: string; characters: string[] }>,
): XmlElement {
  const fix = (value: string, field: string): string => {
    const bad = forbiddenXmlCharacters(value);
    if (bad.length === 0) return value;
    if (policy === 'refuse') {
      throw new NcmecValidationError([
        {
          code: 'XML_FORBIDDEN_CHARACTER',
          field,
          message: `${field}: contains ${bad.join(', ')}, which XML 1.0 does not allow`,
        },
      ]);
    }
    removed.push({ field, characters: bad });
    return removeForbiddenXmlCharacters(value);
  };
  const walk = (el: XmlElement, path: string): XmlElement => {
    const here = path ? `${path}/${el.name}` : el.name;
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(el.attributes)) attributes[k] = fix(v, `${here}/@${k}`);
    return {
      name: el.name,
      attributes,
      children: el.children.map((c) => walk(c, here)),
      text: el.text === undefined ? undefined : fix(el.text, here),
    };
  };
  return walk(root, '');
}

function build(tree: XmlElement, spec: typeof REPORT_SCHEMA, options: BuildOptions): BuiltDocument {
  const removed: Array<{ field: string; characters: string[] }> = [];
  const cleaned = clean(tree, options.forbiddenCharacters ?? 'remove', removed);
  validateDocument(cleaned, spec);
  return { xml: serializeXml(cleaned), removed };
}

/**
 * The report document for POST /submit: built in NCMEC's element order, user text escaped, forbidden
 * characters removed or refused, and validated against the project's schema before it is returned
 * (NcmecValidationError names the field otherwise).
 */
export function buildReportXml(report: NcmecReport, options: BuildOptions = {}): BuiltDocument {
  return build(reportElement(report), REPORT_SCHEMA, options);
}

/** The file details document for POST /fileinfo, validated like buildReportXml. */
export function buildFileDetailsXml(details: NcmecFileDetails, options: BuildOptions = {}): BuiltDocument {
  return build(fileDetailsElement(details), FILE_DETAILS_SCHEMA, options);
}
