import { type Decision, SafetyError } from '@safelight/safety';
import { ServerError } from '../../errors.js';

/** A refused decision as the server's POLICY_REFUSED error, naming the rule. */
export function refused(decision: Decision, action: string, accountId?: string): ServerError {
  if (decision.allowed) throw new Error('refused() on an allowed decision');
  return new ServerError('POLICY_REFUSED', `${action} refused by ${decision.rule}: ${decision.reason}`, {
    rule: decision.rule,
    action,
    ...(accountId === undefined ? {} : { accountId }),
  });
}

/** Runs `fn`, turning the safety package's SafetyErrors into the server's typed errors. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toServerError(error);
  }
}

function toServerError(error: unknown): unknown {
  if (!(error instanceof SafetyError)) return error;
  const details = { field: error.field, reason: error.code };
  switch (error.code) {
    case 'BIRTH_DATE_MALFORMED':
    case 'BIRTH_DATE_IN_FUTURE':
    case 'BIRTH_DATE_TOO_OLD':
      return new ServerError('BIRTH_DATE_INVALID', error.message, details);
    case 'AGE_BAND_CHANGE_NEEDS_ASSURANCE':
      return new ServerError('AGE_BAND_CHANGE_NEEDS_ASSURANCE', error.message, details);
    case 'SETTING_UNKNOWN':
    case 'SETTING_VALUE_INVALID':
      return new ServerError('SETTING_INVALID', error.message, details);
    default:
      return new ServerError('VALIDATION_FAILED', error.message, details);
  }
}

/** ACCOUNT_NOT_FOUND unless the account exists (in the caller's transaction). */
export async function mustExist(
  tx: { accountById(accountId: string): Promise<unknown> },
  accountId: string,
): Promise<void> {
  if (!(await tx.accountById(accountId)))
    throw new ServerError('ACCOUNT_NOT_FOUND', `no account ${accountId}`);
}
