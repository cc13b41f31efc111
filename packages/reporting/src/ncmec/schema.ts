/**
 * The project's own description of the CyberTipline report schema: the elements Safelight writes
 * and NCMEC's test double reads, with their order, cardinality, enumerations and value types, written
 * from NCMEC's published report schema (element names and order are NCMEC's; this is a subset: see
 * docs/ncmec.md for what is left out). `validateDocument` checks an element tree against it.
 */
import type { NcmecValidationCode, NcmecValidationIssue } from './errors.js';
import { NcmecValidationError } from './errors.js';
import { forbiddenXmlCharacters, type XmlElement } from './xml.js';

/** NCMEC's incident types, exactly as the schema spells them. */
export const INCIDENT_TYPES = [
  'Child Pornography (possession, manufacture, and distribution)',
  'Child Sex Trafficking',
  'Child Sex Tourism',
  'Child Sexual Molestation',
  'Misleading Domain Name',
  'Misleading Words or Digital Images on the Internet',
  'Online Enticement of Children for Sexual Acts',
  'Unsolicited Obscene Material Sent to a Child',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** The industry classification of a file: A (prepubescent) / B (pubescent) x 1 (sex act) / 2 (lascivious exhibition). */
export const INDUSTRY_CLASSIFICATIONS = ['A1', 'A2', 'B1', 'B2'] as const;
export type IndustryClassification = (typeof INDUSTRY_CLASSIFICATIONS)[number];

export const FILE_RELEVANCES = ['Reported', 'Supplemental Reported'] as const;
export type FileRelevance = (typeof FILE_RELEVANCES)[number];

export const BATCHED_REPORT_REASONS = ['VIRAL_POTENTIAL_MEME'] as const;
export type BatchedReportReason = (typeof BATCHED_REPORT_REASONS)[number];

export const IP_CAPTURE_EVENTS = ['Login', 'Registration', 'Purchase', 'Upload', 'Other', 'Unknown'] as const;
export type IpCaptureEventName = (typeof IP_CAPTURE_EVENTS)[number];

export const EMAIL_TYPES = ['Home', 'Work', 'Business', 'Recovery'] as const;
export type EmailType = (typeof EMAIL_TYPES)[number];

export const PHONE_TYPES = ['Mobile', 'Home', 'Business', 'Work', 'Fax', 'Internet', 'Recovery'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export const REPORT_ANNOTATIONS = [
  'sextortion',
  'csamSolicitation',
  'minorToMinorInteraction',
  'spam',
  'sadisticOnlineExploitation',
] as const;
export type ReportAnnotation = (typeof REPORT_ANNOTATIONS)[number];

export const FILE_ANNOTATIONS = [
  'animeDrawingVirtualHentai',
  'potentialMeme',
  'viral',
  'possibleSelfProduction',
  'physicalHarm',
  'violenceGore',
  'bestiality',
  'liveStreaming',
  'infant',
  'generativeAi',
] as const;
export type FileAnnotation = (typeof FILE_ANNOTATIONS)[number];

// ---------------------------------------------------------------------------------------------
// The description language

export type SimpleType =
  | { readonly kind: 'string' }
  | { readonly kind: 'token' }
  | { readonly kind: 'boolean' }
  /** A boolean fixed to true (the schema's annotation flags). */
  | { readonly kind: 'true' }
  | { readonly kind: 'dateTime' }
  | { readonly kind: 'date' }
  | { readonly kind: 'int' }
  | { readonly kind: 'long' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'pattern'; readonly pattern: RegExp; readonly description: string };

export interface AttributeSpec {
  readonly name: string;
  readonly type: SimpleType;
  readonly required?: boolean;
}

export type ContentSpec =
  | { readonly kind: 'simple'; readonly type: SimpleType }
  | { readonly kind: 'sequence'; readonly particles: readonly Particle[] }
  /** xs:all: each child at most once, any order. */
  | { readonly kind: 'all'; readonly elements: readonly ElementSpec[] }
  | { readonly kind: 'empty' };

export interface ElementSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly content: ContentSpec;
  readonly attributes?: readonly AttributeSpec[];
}

export interface ChoiceSpec {
  readonly choice: readonly ElementSpec[];
  readonly min: number;
  readonly max: number;
}

export type Particle = ElementSpec | ChoiceSpec;

const UNBOUNDED = Number.POSITIVE_INFINITY;
const t = {
  string: { kind: 'string' },
  token: { kind: 'token' },
  boolean: { kind: 'boolean' },
  true: { kind: 'true' },
  dateTime: { kind: 'dateTime' },
  date: { kind: 'date' },
  int: { kind: 'int' },
  long: { kind: 'long' },
  enum: (values: readonly string[]): SimpleType => ({ kind: 'enum', values }),
} satisfies Record<string, SimpleType | ((values: readonly string[]) => SimpleType)>;

function el(
  name: string,
  content: ContentSpec | SimpleType | readonly Particle[],
  occurs: { min?: number; max?: number } = {},
  attributes?: readonly AttributeSpec[],
): ElementSpec {
  const spec: ContentSpec = Array.isArray(content)
    ? { kind: 'sequence', particles: content as readonly Particle[] }
    : 'particles' in (content as ContentSpec) ||
        'elements' in (content as ContentSpec) ||
        (content as ContentSpec).kind === 'empty' ||
        (content as ContentSpec).kind === 'simple'
      ? (content as ContentSpec)
      : { kind: 'simple', type: content as SimpleType };
  return {
    name,
    min: occurs.min ?? 1,
    max: occurs.max ?? 1,
    content: spec,
    ...(attributes ? { attributes } : {}),
  };
}
const opt = { min: 0 };
const many = { min: 0, max: UNBOUNDED };

// ---------------------------------------------------------------------------------------------
// Shared types

const phone = (name: string, occurs: { min?: number; max?: number } = many) =>
  el(name, t.string, occurs, [
    { name: 'type', type: t.enum(PHONE_TYPES) },
    { name: 'verified', type: t.boolean },
    { name: 'verificationDate', type: t.dateTime },
    {
      name: 'countryCallingCode',
      type: { kind: 'pattern', pattern: /^\+[0-9]{1,3}$/, description: '"+" and 1 to 3 digits' },
    },
    { name: 'extension', type: { kind: 'pattern', pattern: /^[0-9]+$/, description: 'digits' } },
  ]);

const email = (name: string, occurs: { min?: number; max?: number } = many) =>
  el(name, t.string, occurs, [
    { name: 'type', type: t.enum(EMAIL_TYPES) },
    { name: 'verified', type: t.boolean },
    { name: 'verificationDate', type: t.dateTime },
  ]);

/** The schema's `person` (addresses are not modelled). */
const person = (name: string, occurs: { min?: number; max?: number } = opt) =>
  el(
    name,
    [
      el('firstName', t.string, opt),
      el('lastName', t.string, opt),
      phone('phone'),
      email('email'),
      el('age', t.int, opt),
      el('dateOfBirth', t.date, opt),
    ],
    occurs,
  );

const contactPerson = (name: string) =>
  el(
    name,
    [el('firstName', t.string, opt), el('lastName', t.string, opt), phone('phone'), email('email')],
    opt,
  );

const ipCaptureEvent = (occurs: { min?: number; max?: number } = many) =>
  el(
    'ipCaptureEvent',
    [
      el('ipAddress', t.string),
      el('eventName', t.enum(IP_CAPTURE_EVENTS), opt),
      el('dateTime', t.dateTime, opt),
      el('possibleProxy', t.boolean, opt),
      el('port', t.int, opt),
    ],
    occurs,
  );

const deviceId = (occurs: { min?: number; max?: number } = many) =>
  el(
    'deviceId',
    [
      el('idType', t.string),
      el('idValue', t.string),
      el('eventName', t.enum(IP_CAPTURE_EVENTS), opt),
      el('dateTime', t.dateTime, opt),
    ],
    occurs,
  );

const accountTemporarilyDisabled = el('accountTemporarilyDisabled', t.boolean, opt, [
  { name: 'disabledDate', type: t.dateTime },
  { name: 'userNotified', type: t.boolean },
  { name: 'userNotifiedDate', type: t.dateTime },
  { name: 'reenabledDate', type: t.dateTime },
]);

const accountPermanentlyDisabled = el('accountPermanentlyDisabled', t.boolean, opt, [
  { name: 'disabledDate', type: t.dateTime },
  { name: 'userNotified', type: t.boolean },
  { name: 'userNotifiedDate', type: t.dateTime },
]);

// ---------------------------------------------------------------------------------------------
// The report document (POST /submit)

const chatImIncident = el(
  'chatImIncident',
  [
    el('chatClient', t.string, opt),
    el('chatRoomName', t.string, opt),
    el('content', t.string, opt),
    el('additionalInfo', t.string, opt),
  ],
  opt,
);

const webPageIncident = el(
  'webPageIncident',
  [el('url', t.string, many), el('additionalInfo', t.string, opt)],
  opt,
  [{ name: 'thirdPartyHostedContent', type: t.boolean }],
);

export const REPORT_SCHEMA: ElementSpec = el('report', [
  el('batchedReport', { kind: 'empty' }, opt, [
    { name: 'reason', type: t.enum(BATCHED_REPORT_REASONS), required: true },
  ]),
  el('incidentSummary', [
    el('incidentType', t.enum(INCIDENT_TYPES)),
    el('platform', t.string, opt),
    el('escalateToHighPriority', t.string, opt),
    el(
      'reportAnnotations',
      { kind: 'all', elements: REPORT_ANNOTATIONS.map((n) => el(n, t.true, opt)) },
      opt,
    ),
    el('incidentDateTime', t.dateTime),
    el('incidentDateTimeDescription', t.string, opt),
  ]),
  el('internetDetails', [{ choice: [webPageIncident, chatImIncident], min: 1, max: 1 }], many),
  el(
    'reporter',
    [
      person('reportingPerson', { min: 1 }),
      contactPerson('contactPerson'),
      el('companyTemplate', t.string, opt),
      el('termsOfService', t.string, opt),
      el('legalURL', t.string, opt),
    ],
    {},
  ),
  el(
    'personOrUserReported',
    [
      person('personOrUserReportedPerson'),
      el('vehicleDescription', t.string, opt),
      el('espIdentifier', t.string, opt),
      el('espService', t.string, opt),
      el('compromisedAccount', t.boolean, opt),
      el('screenName', t.string, opt),
      el('displayName', t.string, many),
      el('profileUrl', t.string, many),
      el('profileBio', t.string, opt),
      ipCaptureEvent(),
      deviceId(),
      el('thirdPartyUserReported', t.boolean, opt),
      el('priorCTReports', t.long, many),
      el('groupIdentifier', t.string, opt),
      accountTemporarilyDisabled,
      accountPermanentlyDisabled,
      el('additionalInfo', t.string, opt),
    ],
    many,
  ),
  el(
    'victim',
    [
      person('victimPerson', { min: 1 }),
      el('espIdentifier', t.string, opt),
      el('espService', t.string, opt),
      el('compromisedAccount', t.boolean, opt),
      el('screenName', t.string, opt),
      el('displayName', t.string, many),
      el('profileUrl', t.string, many),
      el('profileBio', t.string, opt),
      ipCaptureEvent(),
      deviceId(),
      el('schoolName', t.string, opt),
      el('priorCTReports', t.long, many),
      accountTemporarilyDisabled,
      accountPermanentlyDisabled,
      el('additionalInfo', t.string, opt),
    ],
    many,
  ),
  el('additionalInfo', t.string, opt),
]);

// ---------------------------------------------------------------------------------------------
// The file details document (POST /fileinfo)

export const FILE_DETAILS_SCHEMA: ElementSpec = el('fileDetails', [
  el('reportId', t.long),
  el('fileId', t.token),
  el('fileName', t.string, opt),
  el('originalFileName', t.string, opt),
  el('uploadedToEspTimestamp', t.dateTime, opt),
  el('locationOfFile', t.string, opt),
  el('fileViewedByEsp', t.boolean, opt),
  el('exifViewedByEsp', t.boolean, opt),
  el('publiclyAvailable', t.boolean, opt),
  el('fileRelevance', t.enum(FILE_RELEVANCES), opt),
  {
    choice: [
      el('potentialMeme', t.boolean, opt),
      el('fileAnnotations', { kind: 'all', elements: FILE_ANNOTATIONS.map((n) => el(n, t.true, opt)) }, opt),
    ],
    min: 0,
    max: 1,
  },
  el('industryClassification', t.enum(INDUSTRY_CLASSIFICATIONS), opt),
  el('originalFileHash', t.string, many, [{ name: 'hashType', type: t.string, required: true }]),
  ipCaptureEvent(opt),
  deviceId(),
  el('additionalInfo', t.string, many),
]);

// ---------------------------------------------------------------------------------------------
// Validation

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;
const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function checkSimple(value: string, type: SimpleType): string | undefined {
  switch (type.kind) {
    case 'string':
      return undefined;
    case 'token':
      return value !== value.trim() || /[\t\n\r]| {2}/.test(value)
        ? 'an xs:token has no leading, trailing or doubled spaces, tabs or newlines'
        : undefined;
    case 'boolean':
      return /^\s*(true|false|1|0)\s*$/.test(value) ? undefined : 'expected true or false';
    case 'true':
      return /^\s*(true|1)\s*$/.test(value)
        ? undefined
        : 'this flag is fixed to true: omit it instead of false';
    case 'dateTime': {
      const m = DATE_TIME.exec(value.trim());
      if (!m) return 'expected an xs:dateTime such as 2026-01-31T13:45:00Z';
      const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
      if (month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!)) return 'not a calendar date';
      if (hour! > 24 || minute! > 59 || second! > 59 || (hour === 24 && (minute !== 0 || second !== 0)))
        return 'not a time of day';
      return undefined;
    }
    case 'date': {
      const m = DATE.exec(value.trim());
      if (!m) return 'expected an xs:date such as 2010-05-17';
      const [year, month, day] = m.slice(1, 4).map(Number) as number[];
      return month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!)
        ? 'not a calendar date'
        : undefined;
    }
    case 'int':
    case 'long': {
      const v = value.trim();
      if (!/^[+-]?\d+$/.test(v)) return `expected an integer (xs:${type.kind})`;
      const n = BigInt(v);
      const bits = type.kind === 'int' ? 31n : 63n;
      return n < -(2n ** bits) || n >= 2n ** bits ? `out of the xs:${type.kind} range` : undefined;
    }
    case 'enum':
      return type.values.includes(value)
        ? undefined
        : `not one of: ${type.values.map((v) => `"${v}"`).join(', ')}`;
    case 'pattern':
      return type.pattern.test(value) ? undefined : `expected ${type.description}`;
  }
}

function issue(code: NcmecValidationCode, field: string, message: string): NcmecValidationIssue {
  return { code, field, message: `${field}: ${message}` };
}

function validateAttributes(
  node: XmlElement,
  spec: ElementSpec,
  path: string,
  issues: NcmecValidationIssue[],
): void {
  const specs = spec.attributes ?? [];
  for (const [name, value] of Object.entries(node.attributes)) {
    if (name.startsWith('xmlns')) continue;
    const attr = specs.find((a) => a.name === name);
    const field = `${path}/@${name}`;
    if (!attr) {
      issues.push(issue('ATTRIBUTE_UNEXPECTED', field, `<${node.name}> has no attribute "${name}"`));
      continue;
    }
    checkValue(value, attr.type, field, issues);
  }
  for (const attr of specs) {
    if (attr.required && !(attr.name in node.attributes)) {
      issues.push(issue('ATTRIBUTE_MISSING', `${path}/@${attr.name}`, 'this attribute is required'));
    }
  }
}

function checkValue(value: string, type: SimpleType, field: string, issues: NcmecValidationIssue[]): void {
  const bad = forbiddenXmlCharacters(value);
  if (bad.length > 0) {
    issues.push(
      issue('XML_FORBIDDEN_CHARACTER', field, `contains ${bad.join(', ')}, which XML 1.0 does not allow`),
    );
    return;
  }
  const problem = checkSimple(value, type);
  if (problem) {
    issues.push(
      issue(
        type.kind === 'enum' ? 'VALUE_NOT_IN_ENUMERATION' : 'VALUE_INVALID',
        field,
        `"${value}" is ${problem}`,
      ),
    );
  }
}

function matches(particle: Particle, name: string): ElementSpec | undefined {
  if ('choice' in particle) return particle.choice.find((c) => c.name === name);
  return particle.name === name ? particle : undefined;
}

function particleName(particle: Particle): string {
  return 'choice' in particle
    ? `one of <${particle.choice.map((c) => c.name).join('>, <')}>`
    : `<${particle.name}>`;
}

function validateNode(
  node: XmlElement,
  spec: ElementSpec,
  path: string,
  issues: NcmecValidationIssue[],
): void {
  validateAttributes(node, spec, path, issues);
  const content = spec.content;
  if (content.kind === 'simple') {
    if (node.children.length > 0) {
      issues.push(issue('VALUE_INVALID', path, `<${node.name}> holds a value, not elements`));
      return;
    }
    checkValue(node.text ?? '', content.type, path, issues);
    return;
  }
  if (node.text !== undefined && node.text.trim() !== '') {
    issues.push(issue('ELEMENT_NOT_EMPTY', path, `<${node.name}> holds elements, not text`));
  }
  if (content.kind === 'empty') {
    if (node.children.length > 0)
      issues.push(issue('ELEMENT_NOT_EMPTY', path, `<${node.name}> must be empty`));
    return;
  }
  if (content.kind === 'all') {
    const seen = new Set<string>();
    for (const child of node.children) {
      const childPath = `${path}/${child.name}`;
      const childSpec = content.elements.find((e) => e.name === child.name);
      if (!childSpec) {
        issues.push(issue('ELEMENT_UNEXPECTED', childPath, `<${node.name}> has no element <${child.name}>`));
      } else if (seen.has(child.name)) {
        issues.push(issue('ELEMENT_TOO_MANY', childPath, `<${child.name}> may appear once`));
      } else {
        seen.add(child.name);
        validateNode(child, childSpec, childPath, issues);
      }
    }
    return;
  }
  // A sequence: walk the particles in order, each taking as many matching children as it may.
  const children = node.children;
  let i = 0;
  for (const particle of content.particles) {
    let picks = 0;
    while (i < children.length && picks < particle.max) {
      const name = children[i]!.name;
      const childSpec = matches(particle, name);
      if (!childSpec) break;
      const childPath = `${path}/${name}`;
      let run = 0;
      while (i < children.length && children[i]!.name === name && run < childSpec.max) {
        validateNode(children[i]!, childSpec, childPath, issues);
        i++;
        run++;
      }
      if (i < children.length && children[i]!.name === name) {
        issues.push(
          issue('ELEMENT_TOO_MANY', childPath, `<${name}> may appear at most ${childSpec.max} time(s)`),
        );
        while (i < children.length && children[i]!.name === name) i++;
      }
      if (!('choice' in particle)) {
        picks = run;
        break;
      }
      picks++;
    }
    if (picks < particle.min) {
      const field =
        'choice' in particle
          ? `${path}/(${particle.choice.map((c) => c.name).join('|')})`
          : `${path}/${particle.name}`;
      issues.push(issue('ELEMENT_MISSING', field, `<${node.name}> needs ${particleName(particle)}`));
    }
  }
  for (; i < children.length; i++) {
    const child = children[i]!;
    const childPath = `${path}/${child.name}`;
    const known = content.particles.some((p) => matches(p, child.name));
    issues.push(
      known
        ? issue(
            'ELEMENT_OUT_OF_ORDER',
            childPath,
            `<${child.name}> is out of the schema's order in <${node.name}>`,
          )
        : issue('ELEMENT_UNEXPECTED', childPath, `<${node.name}> has no element <${child.name}>`),
    );
  }
}

/** Every way `root` departs from `spec` (empty when it conforms). */
export function documentIssues(root: XmlElement, spec: ElementSpec): NcmecValidationIssue[] {
  const issues: NcmecValidationIssue[] = [];
  if (root.name !== spec.name) {
    issues.push(issue('ELEMENT_UNEXPECTED', root.name, `expected the root element <${spec.name}>`));
    return issues;
  }
  validateNode(root, spec, root.name, issues);
  return issues;
}

/** Throws NcmecValidationError (code and field of the first problem; all in `issues`) unless `root` conforms. */
export function validateDocument(root: XmlElement, spec: ElementSpec): void {
  const issues = documentIssues(root, spec);
  if (issues.length > 0) throw new NcmecValidationError(issues);
}
