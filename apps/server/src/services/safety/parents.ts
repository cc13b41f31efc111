import { type Decision, decideParentLink } from '@safelight/safety';
import { ServerError } from '../../errors.js';
import { type SafetyQueries, safetyQueries } from '../../storage/safety-repository.js';
import type { Scope } from '../scope.js';
import type { ServiceDeps, Services } from '../services.js';
import { guard, mustExist, refused } from './errors.js';
import { pendingView } from './policy.js';

/**
 * Parent links and approvals (docs/safety.md): an adult offers a link to a minor, the minor
 * accepts; a linked parent sees that controls exist and what waits for approval — never content
 * or contacts — and approves or declines a child's loosening of a setting.
 */
export class ParentService {
  private readonly q: SafetyQueries;

  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {
    this.q = safetyQueries(scope.tx);
  }

  /** Offers a link to `childId`: 'invited', or 'active' when it already is. */
  async link(parentId: string, childId: string): Promise<{ accountId: string; state: 'invited' | 'active' }> {
    await mustExist(this.scope.tx, childId);
    const parent = await this.services.safety.subject(parentId);
    const child = await this.services.safety.subject(childId);
    const verdict = guard(() => decideParentLink(parent, child));
    if (!verdict.allowed) throw refused(verdict as Decision, 'parent.link', childId);
    const existing = await this.q.parentLink(parentId, childId);
    if (existing === 'active') return { accountId: childId, state: 'active' };
    if (existing === undefined) await this.q.putParentLink(parentId, childId, 'invited', this.deps.now());
    return { accountId: childId, state: 'invited' };
  }

  /** The child accepts the link `parentId` offered. */
  async accept(childId: string, parentId: string): Promise<{ accountId: string; state: 'active' }> {
    if ((await this.q.parentLink(parentId, childId)) === undefined) {
      throw new ServerError('PARENT_LINK_NOT_FOUND', `no parent link offered by ${parentId}`, {
        field: 'accountId',
      });
    }
    await this.q.putParentLink(parentId, childId, 'active', this.deps.now());
    return { accountId: parentId, state: 'active' };
  }

  /** What a linked parent sees of each child. */
  async children(parentId: string) {
    const children = [];
    for (const childId of await this.q.childrenOf(parentId)) {
      const child = await this.services.safety.subject(childId);
      children.push({
        accountId: childId,
        band: child.band,
        settings: child.settings,
        pendingApprovals: pendingView(await this.q.pendingApprovals(childId)),
      });
    }
    return { children };
  }

  /** A parent's answer to a pending approval; an approved change is checked by the policy again. */
  async decide(parentId: string, approvalId: string, answer: 'approve' | 'decline') {
    const approval = await this.q.approval(approvalId);
    // Someone else's approval is reported as absent: its existence is not revealed.
    if (
      approval === undefined ||
      approval.state !== 'pending' ||
      (await this.q.parentLink(parentId, approval.childId)) !== 'active'
    ) {
      throw new ServerError('APPROVAL_NOT_FOUND', `no pending approval ${approvalId} for a child of yours`, {
        field: 'approvalId',
      });
    }
    if (answer === 'decline') {
      await this.q.decideApproval(approvalId, 'declined', parentId, this.deps.now());
      return { approvalId, status: 'declined' as const };
    }
    const settings = await this.services.safety.applyApproved(approval.childId, approval);
    await this.q.decideApproval(approvalId, 'approved', parentId, this.deps.now());
    return { approvalId, status: 'applied' as const, settings };
  }
}
