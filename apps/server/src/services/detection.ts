import type { DetectionVerdict } from '@safelight/detection';
import { type ChallengeStore, KyselyChallengeStore } from '../detection/challenge-store.js';
import type { Scope } from './scope.js';
import type { ServiceDeps, Services } from './services.js';

/**
 * Detection's data: pending round-trip challenges (any process can finish what another started)
 * and what a verdict does — it opens or extends the sender's case. The mode itself (the costly
 * part) runs outside any transaction (routes/device/detection.ts); only these writes go through
 * the writer.
 */
export class DetectionService {
  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {}

  /** Pending challenges, in this scope's transaction. */
  get challenges(): ChallengeStore {
    return new KyselyChallengeStore(this.scope.tx.db);
  }

  /** Opens or extends the sender's case, one match event per verdict. */
  async recordVerdicts(accountId: string, verdicts: readonly DetectionVerdict[]): Promise<void> {
    const at = this.deps.now();
    for (const verdict of verdicts) {
      // psi-threshold can reveal earlier messages at once (when t is reached): name each verdict's
      // own message, not the one whose payload completed the threshold.
      const { conversationId, messageId } = verdict.context;
      const where = [verdict.bankName, verdict.bankEntryId].filter(Boolean).join('/');
      await this.services.moderation.recordMatch({
        subjectAccountId: accountId,
        at,
        source: verdict.mode === 'server-plaintext' ? 'hash-match' : 'mode',
        detail: `${verdict.mode}: ${conversationId}/${messageId}${where ? ` matched ${where}` : ''}${verdict.distance === undefined ? '' : ` at distance ${verdict.distance}`}`,
        audit: { mode: verdict.mode },
      });
    }
  }
}
