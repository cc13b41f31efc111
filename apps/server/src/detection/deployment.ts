// A detection deployment: which mode the platform runs, over which bank, with which parameters.
// `checkDeployment` refuses one that cannot run (naming the field); `createDetectionMode` builds
// the mode's server object (detection/mode.ts) through the registry below, one module per mode.
// The types live in types.ts and mode.ts, which import no mode module: imports form a DAG.
import {
  type DetectionModeName,
  type MatchParameters,
  matchParameters,
  type ServerEvaluator,
} from '@safelight/detection';
import { ServerError } from '../errors.js';
import { clientMatchMode } from './client-match.js';
import { enclaveMode } from './enclave.js';
import { evaluatorMode } from './evaluator.js';
import { heFuzzyMode } from './he-fuzzy.js';
import type { ServerDetectionMode, ServerDetectionModeFactory } from './mode.js';
import { psiThresholdMode } from './psi-threshold.js';
import { serverPlaintextMode } from './server-plaintext.js';
import {
  type CheckedDeployment,
  DETECTION_MODE_NAMES,
  type DetectionDeployment,
  type ModeFactoryContext,
} from './types.js';

/** Mode name -> the factory of its server object. */
export const DETECTION_MODES: Readonly<Record<DetectionModeName, ServerDetectionModeFactory>> = {
  'server-plaintext': serverPlaintextMode,
  'client-match': clientMatchMode,
  'psi-threshold': psiThresholdMode,
  'he-fuzzy': heFuzzyMode,
  enclave: enclaveMode,
};

/** A deployment or a bare server half (embedding code that provisions devices itself). */
export function isDeployment(value: DetectionDeployment | ServerEvaluator): value is DetectionDeployment {
  return typeof (value as ServerEvaluator).evaluate !== 'function';
}

/**
 * The server object of the configured mode. A bare ServerEvaluator runs as a one-step mode whose
 * devices read `{ mode: null }` (tests/integration/detection.test.ts hands devices their half).
 */
export async function createDetectionMode(
  detection: DetectionDeployment | ServerEvaluator,
  context: ModeFactoryContext,
): Promise<ServerDetectionMode> {
  if (!isDeployment(detection)) return evaluatorMode(detection, { download: { mode: null } });
  const checked = checkDeployment(detection);
  return DETECTION_MODES[checked.mode](checked, context);
}

/** Refuses a deployment that cannot run, naming the field. */
export function checkDeployment(deployment: DetectionDeployment): CheckedDeployment {
  const mode = deployment.mode as string;
  if (!(DETECTION_MODE_NAMES as readonly string[]).includes(mode) || !Object.hasOwn(DETECTION_MODES, mode)) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `detection.mode ${JSON.stringify(String(mode).slice(0, 40))} is not a detection mode; one of ${DETECTION_MODE_NAMES.join(', ')}`,
    );
  }
  const bank = deployment.bank as DetectionDeployment['bank'] | undefined;
  if (bank === undefined || !Array.isArray(bank.entries) || bank.entries.length === 0) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `detection.bank: ${mode} needs a bank with at least one entry`,
    );
  }
  if (typeof bank.bankName !== 'string' || bank.bankName === '') {
    throw new ServerError('VALIDATION_FAILED', 'detection.bank.bankName must be a non-empty string');
  }
  let parameters: MatchParameters;
  try {
    parameters = matchParameters(deployment);
  } catch (error) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `detection: ${(error as Error).message.replace(/^[A-Z_]+: /, '')}`,
    );
  }
  return { ...deployment, parameters };
}

export type { CheckedDeployment, DetectionDeployment, ModeFactoryContext } from './types.js';
export { DETECTION_MODE_NAMES } from './types.js';
