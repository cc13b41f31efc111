// A detection deployment: which mode the platform runs, over which bank, with which parameters.
// `prepareDetection` builds the mode's server half and what devices download to build the client
// half (GET /v1/detection/device), plus any routes the mode needs beyond evaluate (the PSI table,
// he-fuzzy keys and answers). One module per mode next to this one does the mode-specific part.
import {
  type BankSnapshot,
  type DetectionModeName,
  type DeviceDetectionDownload,
  type MatchParameters,
  matchParameters,
  type ServerEvaluator,
} from '@safelight/detection';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServerError } from '../errors.js';
import type { DeliveryRepository } from '../storage/repository.js';
import type { ChallengeDesk } from './challenge-desk.js';
import { prepareClientMatch } from './client-match.js';
import { type EnclaveDeploymentOptions, prepareEnclave } from './enclave.js';
import { type HeDeploymentOptions, prepareHeFuzzy } from './he-fuzzy.js';
import { type PsiDeploymentOptions, preparePsiThreshold } from './psi-threshold.js';
import { prepareServerPlaintext } from './server-plaintext.js';

export interface DetectionDeployment {
  readonly mode: DetectionModeName;
  /** The bank every mode matches against (entry ids and PDQ hashes). */
  readonly bank: BankSnapshot;
  /** Hamming radius (default 31) and PDQ quality floor (default 50). */
  readonly radius?: number;
  readonly qualityFloor?: number;
  readonly psi?: PsiDeploymentOptions;
  readonly he?: HeDeploymentOptions;
  readonly enclave?: EnclaveDeploymentOptions;
}

export const DETECTION_MODE_NAMES: readonly DetectionModeName[] = [
  'server-plaintext',
  'client-match',
  'psi-threshold',
  'he-fuzzy',
  'enclave',
];

/** What the routes need from the server around a mode. */
export interface DetectionRouteContext {
  readonly authenticate: (request: FastifyRequest) => Promise<void>;
}

export interface PreparedDetection {
  readonly mode: DetectionModeName;
  readonly evaluator: ServerEvaluator;
  /** The client half's provisioning: `{ mode: null }` when devices are set up some other way. */
  readonly download: DeviceDetectionDownload;
  /** Round-trip modes (he-fuzzy): evaluate answers with a challenge, the answer route finishes it. */
  readonly exchange?: ChallengeDesk | undefined;
  /** Routes of the mode beside GET /v1/detection/device and POST /v1/detection/evaluate. */
  readonly routes?: ((app: FastifyInstance, context: DetectionRouteContext) => Promise<void>) | undefined;
  /** Largest evaluate body the mode needs (server-plaintext carries whole images). */
  readonly evaluateBodyBytes?: number | undefined;
  /** What runs, for `safelight serve` to print (e.g. the enclave measurement devices pin). */
  readonly notes: readonly string[];
  close(): Promise<void>;
}

export interface PrepareContext {
  readonly repository: Pick<DeliveryRepository, 'devicesOfAccount'>;
  /** The server's data folder (the enclave's software platform key lives there). */
  readonly dataDir: string;
  /** Where errors no request is waiting for are reported (an unanswered challenge). */
  readonly warn: (message: string, error: unknown) => void;
}

/** A validated deployment with its matching parameters resolved. */
export interface CheckedDeployment extends DetectionDeployment {
  readonly parameters: MatchParameters;
}

type Preparer = (deployment: CheckedDeployment, context: PrepareContext) => Promise<PreparedDetection>;

const PREPARERS: Record<DetectionModeName, Preparer> = {
  'server-plaintext': prepareServerPlaintext,
  'client-match': prepareClientMatch,
  'psi-threshold': preparePsiThreshold,
  'he-fuzzy': prepareHeFuzzy,
  enclave: prepareEnclave,
};

/** A deployment or a bare server half (embedding code that provisions devices itself). */
export function isDeployment(value: DetectionDeployment | ServerEvaluator): value is DetectionDeployment {
  return typeof (value as ServerEvaluator).evaluate !== 'function';
}

export async function prepareDetection(
  detection: DetectionDeployment | ServerEvaluator,
  context: PrepareContext,
): Promise<PreparedDetection> {
  if (!isDeployment(detection)) {
    return {
      mode: detection.mode,
      evaluator: detection,
      download: { mode: null },
      notes: [],
      close: async () => {},
    };
  }
  const checked = checkDeployment(detection);
  return PREPARERS[checked.mode](checked, context);
}

/** Refuses a deployment that cannot run, naming the field. */
export function checkDeployment(deployment: DetectionDeployment): CheckedDeployment {
  const mode = deployment.mode as string;
  if (!Object.hasOwn(PREPARERS, mode)) {
    throw new ServerError(
      'VALIDATION_FAILED',
      `detection.mode ${JSON.stringify(String(mode).slice(0, 40))} is not a detection mode; one of ${DETECTION_MODE_NAMES.join(', ')}`,
    );
  }
  const bank = deployment.bank as BankSnapshot | undefined;
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
