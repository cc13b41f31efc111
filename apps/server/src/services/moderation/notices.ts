import type { reports } from '@safelight/api';
import type { CaseEvent } from '@safelight/reporting';

/** Decisions a user is told about. Reports to NCMEC are not disclosed to their subject (no tipping off). */
const NOTIFIED: readonly string[] = ['remove-content', 'restrict', 'suspend'];
const STATEMENT: Readonly<Record<string, string>> = {
  'remove-content': 'Content you sent was removed because it breaks the rules on child safety.',
  restrict: 'Your account can no longer start contact with people under 18.',
  suspend: 'Your account is suspended because of a serious breach of the rules on child safety.',
};

/**
 * The notices of a subject's case log: each notified decision with a statement of reasons in the
 * shape of EU DSA Art. 17 (decision, facts relied on, ground, whether automated, how to seek
 * redress). Derived from the log, so notices and moderation cannot disagree.
 */
export function noticesOf(caseId: string, events: readonly CaseEvent[]): reports.Notice[] {
  const notices: reports.Notice[] = [];
  for (const event of events) {
    if (event.type !== 'decide' || !NOTIFIED.includes(event.decision)) continue;
    notices.push({
      caseId,
      at: event.at,
      decision: event.decision,
      statementOfReasons: {
        decision: STATEMENT[event.decision] as string,
        facts: event.reason,
        ground: 'Terms of service: child safety',
        automated: false,
        redress:
          'You can appeal within 6 months: POST /v1/appeals with the case id. A different, senior moderator reviews it.',
      },
    });
  }
  return notices;
}
