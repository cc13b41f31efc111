// Every detection mode by name: what the client SDK, the server and bench/detection look modes up
// in. A mode joins by adding its factory here.
import { clientMatchMode } from './client-match.js';
import { enclaveMode } from './enclave/enclave.js';
import { DetectionError } from './errors.js';
import { heFuzzyMode } from './he/mode.js';
import type { DetectionModeFactory, DetectionModeName } from './mode.js';
import { psiThresholdMode } from './psi/index.js';
import { serverPlaintextMode } from './server-plaintext.js';

export const detectionModes: Readonly<Partial<Record<DetectionModeName, DetectionModeFactory>>> = {
  'server-plaintext': serverPlaintextMode,
  'client-match': clientMatchMode,
  enclave: enclaveMode,
  'he-fuzzy': heFuzzyMode,
  'psi-threshold': psiThresholdMode,
};

/** The registered factory for `name`, or DETECTION_UNKNOWN_MODE. */
export function detectionMode(name: string): DetectionModeFactory {
  const factory = Object.hasOwn(detectionModes, name) ? detectionModes[name as DetectionModeName] : undefined;
  if (factory === undefined) {
    throw new DetectionError(
      'DETECTION_UNKNOWN_MODE',
      `no detection mode ${JSON.stringify(String(name).slice(0, 40))}; registered: ${Object.keys(detectionModes).join(', ')}`,
    );
  }
  return factory;
}
