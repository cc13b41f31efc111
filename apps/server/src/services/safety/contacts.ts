import { ServerError } from '../../errors.js';
import { type SafetyQueries, safetyQueries } from '../../storage/safety-repository.js';
import type { Scope } from '../scope.js';
import type { ServiceDeps, Services } from '../services.js';
import { mustExist, refused } from './errors.js';

/**
 * Contacts, contact requests and blocks (docs/safety.md). A request is checked by the policy
 * (services.safety.decideBetween) in the write that stores it; a request both ways is an
 * acceptance. Requests and blocks are told as domain events (`contact.requested`,
 * `block.created`) once committed: the risk engine re-scores from them (subscribers/risk.ts).
 */
export class ContactService {
  private readonly q: SafetyQueries;

  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {
    this.q = safetyQueries(scope.tx);
  }

  /** Asks `targetId` to connect: 'requested', or 'accepted' when they had asked too (or already were). */
  async request(
    actorId: string,
    targetId: string,
  ): Promise<{ accountId: string; state: 'requested' | 'accepted' }> {
    await mustExist(this.scope.tx, targetId);
    const { decision } = await this.services.safety.decideBetween(
      { kind: 'contact.request' },
      actorId,
      targetId,
    );
    if (!decision.allowed) throw refused(decision, 'contact.request', targetId);
    const out = await this.q.contact(actorId, targetId);
    const at = this.deps.now();
    let state: 'requested' | 'accepted';
    if (out === 'accepted') state = 'accepted';
    else if ((await this.q.contact(targetId, actorId)) === 'requested') {
      // Both asked: that is an acceptance.
      await this.q.putContact(actorId, targetId, 'accepted', at);
      await this.q.putContact(targetId, actorId, 'accepted', at);
      state = 'accepted';
    } else {
      if (out !== 'requested') await this.q.putContact(actorId, targetId, 'requested', at);
      state = 'requested';
    }
    this.scope.emit({ type: 'contact.requested', at, fromAccountId: actorId, toAccountId: targetId, state });
    return { accountId: targetId, state };
  }

  /** Accounts that asked `accountId` and wait for an answer. */
  async incoming(accountId: string): Promise<{ incoming: Array<{ accountId: string; createdAt: number }> }> {
    return { incoming: await this.q.incomingRequests(accountId) };
  }

  async contacts(accountId: string): Promise<{ contacts: string[] }> {
    return { contacts: await this.q.contacts(accountId) };
  }

  async accept(actorId: string, requesterId: string): Promise<{ accountId: string; state: 'accepted' }> {
    await this.mustBePending(requesterId, actorId);
    const at = this.deps.now();
    await this.q.putContact(requesterId, actorId, 'accepted', at);
    await this.q.putContact(actorId, requesterId, 'accepted', at);
    return { accountId: requesterId, state: 'accepted' };
  }

  async decline(actorId: string, requesterId: string): Promise<{ accountId: string; state: 'declined' }> {
    await this.mustBePending(requesterId, actorId);
    await this.q.deleteContacts(requesterId, actorId);
    return { accountId: requesterId, state: 'declined' };
  }

  /** Blocks `targetId` and removes contacts and requests between the two, both ways. */
  async block(actorId: string, targetId: string): Promise<{ accountId: string; state: 'blocked' }> {
    if (targetId === actorId) throw new ServerError('VALIDATION_FAILED', 'accountId: cannot block yourself');
    await mustExist(this.scope.tx, targetId);
    const at = this.deps.now();
    await this.q.insertBlock(actorId, targetId, at);
    await this.q.deleteContacts(actorId, targetId);
    this.scope.emit({ type: 'block.created', at, blockerAccountId: actorId, blockedAccountId: targetId });
    return { accountId: targetId, state: 'blocked' };
  }

  private async mustBePending(requesterId: string, actorId: string): Promise<void> {
    if ((await this.q.contact(requesterId, actorId)) !== 'requested') {
      throw new ServerError('CONTACT_REQUEST_NOT_FOUND', `no pending request from ${requesterId}`, {
        field: 'accountId',
      });
    }
  }
}
