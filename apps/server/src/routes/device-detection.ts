// Provisioning the client half of the client-match detection mode to devices (browsers included):
// the bank snapshot and its published Merkle commitment, which the device checks one against the
// other before matching (docs/detection-modes.md). The server half verifies each match report
// against the Ed25519 keys of the account's registered devices: the report is signed with the
// device identity key under its own domain ("safelight/detection/client-match/report/v1"), so it
// cannot be confused with an auth challenge or an MLS signature made with the same key.
import {
  type BankSnapshot,
  ClientMatchEvaluator,
  commitBankSnapshot,
  encodeBankSnapshot,
  matchParameters,
  type PublishedCommitment,
} from '@safelight/detection';
import type { FastifyInstance } from 'fastify';
import { toB64u } from '../encoding.js';
import type { DeliveryRepository } from '../storage/repository.js';

export interface ClientMatchDeployment {
  /** The bank devices match against (ids and PDQ hashes only). */
  readonly bank: BankSnapshot;
  /** Hamming radius (default 31) and PDQ quality floor (default 50). */
  readonly radius?: number;
  readonly qualityFloor?: number;
}

/** What a device downloads: everything it needs to build a ClientMatchDevice. */
export interface DeviceDetectionConfigJson {
  readonly mode: 'client-match';
  readonly bankName: string;
  readonly snapshot: string;
  readonly commitment: PublishedCommitment;
  readonly radius: number;
  readonly qualityFloor: number;
}

/** Builds the server evaluator (keys from the device directory) and the device download once. */
export async function prepareClientMatch(
  deployment: ClientMatchDeployment,
  repository: Pick<DeliveryRepository, 'devicesOfAccount'>,
): Promise<{ evaluator: ClientMatchEvaluator; download: DeviceDetectionConfigJson }> {
  const parameters = matchParameters(deployment);
  const commitment = await commitBankSnapshot(deployment.bank.entries);
  const evaluator = new ClientMatchEvaluator(
    deployment.bank.bankName,
    deployment.bank.entries.map((entry) => entry.id),
    parameters,
    async (accountId) => (await repository.devicesOfAccount(accountId)).map((device) => device.publicKey),
  );
  return {
    evaluator,
    download: {
      mode: 'client-match',
      bankName: deployment.bank.bankName,
      snapshot: toB64u(encodeBankSnapshot({ ...deployment.bank, commitment: commitment.root })),
      commitment,
      ...parameters,
    },
  };
}

export async function deviceDetectionRoutes(
  app: FastifyInstance,
  options: { download: DeviceDetectionConfigJson | undefined },
): Promise<void> {
  /**
   * `GET /v1/detection/device`: the detection mode's client half for devices, or `{ mode: null }`
   * when the platform runs none (or one whose client half is not provisioned over HTTP).
   */
  app.get('/v1/detection/device', { schema: { tags: ['detection'] } }, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return options.download ?? { mode: null };
  });
}
