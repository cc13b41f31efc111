// server-plaintext: there is nothing to provision. The device sends the image bytes and the
// server hashes and matches them: the non-E2EE baseline, kept to measure the other modes against,
// never an option for an end-to-end encrypted messenger (docs/detection-modes.md).
import { BankIndex, ServerPlaintextEvaluator } from '@safelight/detection';
import { evaluatorMode } from './evaluator.js';
import type { ServerDetectionModeFactory } from './mode.js';

/** The largest image a device may send (the evaluate route's payload cap is 4 MiB). */
const IMAGE_PAYLOAD_BODY_BYTES = Math.ceil((4 * 1024 * 1024 * 4) / 3) + 4096;

export const serverPlaintextMode: ServerDetectionModeFactory = async ({ bank, parameters }) =>
  evaluatorMode(new ServerPlaintextEvaluator(new BankIndex(bank.entries, parameters), bank.bankName), {
    download: { mode: 'server-plaintext' },
    evaluateBodyBytes: IMAGE_PAYLOAD_BODY_BYTES,
    notes: ['devices send every image in the clear: the non-E2EE baseline'],
  });
