// client-match: devices (browsers included) download the bank snapshot and its published Merkle
// commitment and check one against the other before matching (docs/detection-modes.md). The
// server half verifies each match report against the Ed25519 keys of the account's registered
// devices: the report is signed with the device identity key under its own domain
// ("safelight/detection/client-match/report/v1"), so it cannot be confused with an auth
// challenge or an MLS signature made with the same key.
import { ClientMatchEvaluator, commitBankSnapshot, encodeBankSnapshot } from '@safelight/detection';
import { toB64u } from '../encoding.js';
import { evaluatorMode } from './evaluator.js';
import type { ServerDetectionModeFactory } from './mode.js';

export const clientMatchMode: ServerDetectionModeFactory = async (
  { bank, parameters },
  { devicePublicKeys },
) => {
  const commitment = await commitBankSnapshot(bank.entries);
  const evaluator = new ClientMatchEvaluator(
    bank.bankName,
    bank.entries.map((entry) => entry.id),
    parameters,
    devicePublicKeys,
  );
  return evaluatorMode(evaluator, {
    download: {
      mode: 'client-match',
      bankName: bank.bankName,
      snapshot: toB64u(encodeBankSnapshot({ ...bank, commitment: commitment.root })),
      commitment,
      ...parameters,
    },
    notes: [`bank commitment ${commitment.root} (${commitment.treeSize} distinct hashes)`],
  });
};
