// One object per detection mode on the server side (docs/detection-modes.md): what devices
// download, how a payload is judged, the round trip's second step for modes that have one, the
// mode's own routes, and how it stops. Types only: this file imports no mode module.
import type { DetectionModeName, DetectionVerdict, DeviceDetectionDownload } from '@safelight/detection';
import type { Api } from '../http.js';
import type { CheckedDeployment, ModeFactoryContext } from './types.js';

/** Who sent the payload and for which message (the session's account and device). */
export interface EvaluateContext {
  readonly accountId: string;
  readonly deviceId: string;
  readonly conversationId: string;
  readonly messageId: string;
}

/**
 * What judging one payload gives: the verdicts (possibly none), or — for round-trip modes
 * (he-fuzzy) — a challenge for the sender's device and the pending state that `finish` judges the
 * device's answer against. The route stores the state (ChallengeStore) under a fresh challenge id
 * and hands the device `{ id, bytes }`; the state never leaves the server.
 */
export type EvaluateOutcome =
  | { readonly kind: 'verdicts'; readonly verdicts: readonly DetectionVerdict[] }
  | {
      readonly kind: 'challenge';
      /** For the device. */
      readonly bytes: Uint8Array;
      /** Server-side secret until finished (already sealed by the mode where it is sensitive). */
      readonly state: Uint8Array;
    };

/**
 * A mode's own routes, by audience: `public` ones are registered on the public plugin, `device`
 * ones inside the device plugin (its hook has checked the bearer token: `sessionOf(request)`), in a
 * plugin of their own so a body parser they add stays theirs.
 */
export interface ModeRoutes {
  readonly public?: (app: Api) => Promise<void> | void;
  readonly device?: (app: Api) => Promise<void> | void;
}

export interface ServerDetectionMode {
  readonly name: DetectionModeName;
  /** The client half's provisioning (GET /v1/detection/device); `{ mode: null }` when devices are set up otherwise. */
  readonly download: DeviceDetectionDownload;
  /** Judges one payload of a message the device sent. Mode errors carry a stable code (refusal.ts). */
  evaluate(payload: Uint8Array, context: EvaluateContext): Promise<EvaluateOutcome>;
  /**
   * Round-trip modes: judges the device's answer to a challenge against its stored pending state,
   * on any server process holding the same deployment. The verdicts name the evaluated message.
   */
  finish?(state: Uint8Array, answer: Uint8Array): Promise<readonly DetectionVerdict[]>;
  /** Round-trip modes: how long a challenge can be answered (ms). */
  readonly answerTimeoutMs?: number;
  /** Routes of the mode beside device, evaluate and answer (the PSI table, he-fuzzy keys). */
  readonly routes?: ModeRoutes;
  /** Largest evaluate body the mode needs (server-plaintext carries whole images). */
  readonly evaluateBodyBytes?: number;
  /** What runs, for `safelight serve` to print (e.g. the enclave measurement devices pin). */
  readonly notes: readonly string[];
  close(): Promise<void>;
}

/** Builds one mode's server object from a checked deployment. */
export type ServerDetectionModeFactory = (
  deployment: CheckedDeployment,
  context: ModeFactoryContext,
) => Promise<ServerDetectionMode>;
