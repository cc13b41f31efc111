// server-plaintext provisioning: there is nothing to provision. The device sends the image bytes
// and the server hashes and matches them: the non-E2EE baseline, kept to measure the other modes
// against, never an option for an end-to-end encrypted messenger (docs/detection-modes.md).
import { BankIndex, ServerPlaintextEvaluator } from '@safelight/detection';
import type { CheckedDeployment, PreparedDetection } from './deployment.js';

/** The largest image a device may send (the evaluate route's payload cap is 4 MiB). */
const IMAGE_PAYLOAD_BODY_BYTES = Math.ceil((4 * 1024 * 1024 * 4) / 3) + 4096;

export async function prepareServerPlaintext(deployment: CheckedDeployment): Promise<PreparedDetection> {
  const { bank, parameters } = deployment;
  return {
    mode: 'server-plaintext',
    evaluator: new ServerPlaintextEvaluator(new BankIndex(bank.entries, parameters), bank.bankName),
    download: { mode: 'server-plaintext' },
    evaluateBodyBytes: IMAGE_PAYLOAD_BODY_BYTES,
    notes: ['devices send every image in the clear: the non-E2EE baseline'],
    close: async () => {},
  };
}
