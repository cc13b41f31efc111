export {
  AUDIT_GENESIS,
  type AuditChainCheck,
  type AuditEntry,
  type AuditEntryInput,
  canonicalJson,
  chainAuditEntry,
  verifyAuditChain,
} from './audit.js';
export {
  derivePriority,
  INCIDENT_TYPES,
  INDUSTRY_CLASSIFICATIONS,
  type IncidentType,
  type IndustryClassification,
  isIncidentType,
  PRIORITIES,
  type Priority,
  type PrioritySignals,
  SLA_MS,
} from './categories.js';
export { ReportingError, type ReportingErrorCode } from './errors.js';
export {
  type IntakeOptions,
  type MessageVerification,
  REPORT_LIMITS,
  type ReportIntake,
  type UserReport,
  type VerifiedReportMessage,
  verifyUserReport,
} from './intake.js';
export {
  authorize,
  authorizeEvent,
  type CaseEvent,
  type CaseEventType,
  type CaseState,
  type CaseStatus,
  DECISIONS,
  DEFAULT_RETENTION_MS,
  type Decision,
  evidenceExpiresAt,
  may,
  mayRecord,
  PERMISSIONS,
  type Permission,
  ROLES,
  type Role,
  reduceCase,
  STAFF_ACTIONS,
  type StaffAction,
} from './moderation.js';
// The CyberTipline model stays in the root because it is pure (no Node, no network, no Fastify):
// the report model, the XML builder, serializer, parser and schema validator, NCMEC's response
// codes and answer documents, and the typed errors (NcmecApiError and NcmecSubmissionError too:
// they import nothing, and one home per symbol keeps imports unambiguous). The API client and the
// exactly-once reporter are `@safelight/reporting/ncmec`; the Fastify test double is
// `@safelight/reporting/ncmec/double`.
export * from './ncmec/build.js';
export * from './ncmec/errors.js';
export * from './ncmec/model.js';
export * from './ncmec/responses.js';
export * from './ncmec/schema.js';
export {
  escapeXmlAttribute,
  escapeXmlText,
  forbiddenXmlCharacters,
  parseXml,
  removeForbiddenXmlCharacters,
  serializeXml,
  type XmlElement,
} from './ncmec/xml.js';
export {
  type Count,
  computeTransparency,
  type TransparencyReport,
  transparencyCsv,
  transparencySvg,
} from './transparency.js';
