// What a platform publishes about its psi-threshold deployment, and the two checks it enables.
//
// The blinded table cannot be checked entry by entry (that is its point), so the platform
// publishes one statement that ties it to the bank: the bank's Merkle commitment (the same one
// client-match devices check their snapshot against), the key parameters, t, the server's public
// element and the table's seed, size and SHA-256 digest.
//   - A device refuses a table whose bytes or parameters differ from the publication
//     (verifyPsiParameters), so every device matches against the same table, and a table served
//     to a targeted few would contradict the published digest that auditors and other devices see.
//   - An auditor holding the bank and, under audit, the server key rebuilds the table and checks
//     that the published digest is this bank's table and nothing else (auditPsiTable); the build is
//     reproducible for that reason (table.ts).
// What it does not give: a device alone still cannot tell which hashes the table holds.
import { createHash } from 'node:crypto';
import type { BankSnapshot } from '../mode.js';
import { commitBankSnapshot, type PublishedCommitment } from '../snapshot.js';
import { type X25519Secret, x25519Base } from './crypto.js';
import { PsiError } from './errors.js';
import { type RobustKeyParameters, robustKeys, validateKeyParameters } from './keys.js';
import type { PsiPublicParameters } from './protocol.js';
import { type BlindedTable, buildBlindedTableParallel } from './table.js';

export const PSI_PUBLICATION_VERSION = 1;

export interface PsiPublication {
  readonly version: typeof PSI_PUBLICATION_VERSION;
  readonly bankName: string;
  /** Merkle commitment over the bank's distinct PDQ hashes (commitBankSnapshot). */
  readonly bankCommitment: PublishedCommitment;
  readonly keys: RobustKeyParameters;
  readonly threshold: number;
  /** u(k·B), hex. */
  readonly serverPublic: string;
  readonly table: { readonly seed: string; readonly size: number; readonly sha256: string };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** SHA-256 over a domain tag, the seed, the size and every element, in slot order. */
export function tableDigest(table: BlindedTable): string {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(table.size);
  return createHash('sha256')
    .update('safelight-psi table v1|')
    .update(table.seed)
    .update(size)
    .update(table.elements)
    .digest('hex');
}

export async function publishPsiParameters(
  params: PsiPublicParameters,
  bank: Pick<BankSnapshot, 'bankName' | 'entries'>,
): Promise<PsiPublication> {
  return {
    version: PSI_PUBLICATION_VERSION,
    bankName: bank.bankName,
    bankCommitment: await commitBankSnapshot(bank.entries),
    keys: { ...params.keys },
    threshold: params.threshold,
    serverPublic: hex(params.serverPublic),
    table: { seed: hex(params.table.seed), size: params.table.size, sha256: tableDigest(params.table) },
  };
}

function mismatch(field: string): never {
  throw new PsiError(
    'PSI_PUBLICATION_MISMATCH',
    `the psi-threshold parameters differ from the publication in ${field}; refusing to use them`,
  );
}

/**
 * A device's check before it makes any voucher: the table and parameters it downloaded are the
 * published ones. Throws PSI_PUBLICATION_MISMATCH naming the first field that differs.
 */
export function verifyPsiParameters(params: PsiPublicParameters, publication: PsiPublication): void {
  if (publication.version !== PSI_PUBLICATION_VERSION) mismatch('version');
  validateKeyParameters(publication.keys);
  const { keys } = params;
  if (
    keys.keysPerImage !== publication.keys.keysPerImage ||
    keys.bitsPerKey !== publication.keys.bitsPerKey ||
    keys.seed !== publication.keys.seed
  )
    mismatch('keys');
  if (params.threshold !== publication.threshold) mismatch('threshold');
  if (hex(params.serverPublic) !== publication.serverPublic) mismatch('serverPublic');
  if (hex(params.table.seed) !== publication.table.seed) mismatch('table.seed');
  if (params.table.size !== publication.table.size) mismatch('table.size');
  if (params.table.elements.length !== params.table.size * 32) mismatch('table.elements');
  if (tableDigest(params.table) !== publication.table.sha256) mismatch('table.sha256');
}

/**
 * The auditor's check: `bank` is the bank the publication commits to, and rebuilding its table
 * with the server key and the published seed gives the published digest and public element. A
 * table holding any key that is not one of this bank's robust keys fails. Costs a full table build
 * (about an hour at 1M entries on a 2-core VM, bench/psi --build).
 */
export async function auditPsiTable(
  bank: Pick<BankSnapshot, 'entries'>,
  serverKey: X25519Secret,
  publication: PsiPublication,
  options: { readonly threads?: number } = {},
): Promise<void> {
  const commitment = await commitBankSnapshot(bank.entries);
  if (
    commitment.root !== publication.bankCommitment.root ||
    commitment.treeSize !== publication.bankCommitment.treeSize
  )
    mismatch('bankCommitment (the audited bank is not the committed one)');
  if (hex(x25519Base(serverKey)) !== publication.serverPublic) mismatch('serverPublic (not this server key)');
  const distinct = new Map<string, Uint8Array>();
  for (const entry of bank.entries)
    for (const key of robustKeys(entry.pdq, publication.keys)) distinct.set(hex(key), key);
  const seed = Uint8Array.from(Buffer.from(publication.table.seed, 'hex'));
  let rebuilt: BlindedTable;
  try {
    rebuilt = await buildBlindedTableParallel([...distinct.values()], serverKey, { ...options, seed });
  } catch (error) {
    if (error instanceof PsiError && error.code === 'PSI_TABLE_BUILD_FAILED') mismatch('table.seed');
    throw error;
  }
  if (rebuilt.size !== publication.table.size) mismatch('table.size');
  if (tableDigest(rebuilt) !== publication.table.sha256) mismatch('table.sha256');
}
