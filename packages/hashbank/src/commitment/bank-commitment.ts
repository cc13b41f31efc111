import { HashbankError } from '../bank/errors.js';
import type { SignalType } from '../bank/signal.js';
import type { BankRepository, CommitmentRecord } from '../storage/repository.js';
import { type Commitment, commitSorted, type InclusionProof, proveSorted } from './commitment.js';
import { canonicalSignal } from './leaf.js';

/**
 * Commitments over what a bank stores. They cover the bank's ACTIVE entries (not removed, not
 * disabled), the list a matcher or client uses; provenance, labels and the bank's own enabled
 * switch are not part of it.
 */
export async function computeBankCommitment(repository: BankRepository, bank: string): Promise<Commitment> {
  return commitSorted(repository.entries(bank));
}

/** Computes the bank's current root and records it as published. */
export async function publishCommitment(
  repository: BankRepository,
  bank: string,
): Promise<CommitmentRecord & { scheme: string }> {
  const commitment = await computeBankCommitment(repository, bank);
  const record = await repository.recordCommitment(bank, commitment.root, commitment.treeSize);
  return { ...record, scheme: commitment.scheme };
}

/** An inclusion proof for one active entry of the bank, against its current root. */
export async function proveBankEntry(
  repository: BankRepository,
  bank: string,
  signalType: SignalType,
  value: string,
): Promise<InclusionProof> {
  const signal = canonicalSignal(signalType, value);
  const entry = await repository.getEntry(bank, signal.signalType, signal.value);
  if (entry === undefined || entry.removedAt !== null || entry.disabled) {
    throw new HashbankError(
      'BANK_ENTRY_NOT_FOUND',
      `bank ${bank} has no active ${signalType} entry with that value`,
    );
  }
  const index = await repository.countEntriesBefore(bank, signal.signalType, signal.value);
  const treeSize = await repository.countEntries(bank);
  const proof = await proveSorted(repository.entries(bank), index, treeSize);
  if (proof.value !== signal.value || proof.signalType !== signal.signalType) {
    throw new HashbankError('BANK_INVALID_PROOF', 'the bank changed during the proof; try again');
  }
  return proof;
}
