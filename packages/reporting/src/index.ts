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
export * from './ncmec/index.js';
export {
  type Count,
  computeTransparency,
  type TransparencyReport,
  transparencyCsv,
  transparencySvg,
} from './transparency.js';
