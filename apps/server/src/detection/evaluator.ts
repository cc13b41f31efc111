// A ServerEvaluator (the package's server half: payload -> verdicts) as a ServerDetectionMode.
// The one-step modes are this plus their download and notes; a bare evaluator handed to
// createServer (embedding code that provisions devices itself) is this with `{ mode: null }`.
import type { DeviceDetectionDownload, ServerEvaluator } from '@safelight/detection';
import type { ServerDetectionMode } from './mode.js';

export interface EvaluatorModeParts {
  readonly download: DeviceDetectionDownload;
  readonly notes?: readonly string[];
  readonly routes?: ServerDetectionMode['routes'];
  readonly evaluateBodyBytes?: number;
  readonly close?: () => Promise<void>;
}

export function evaluatorMode(evaluator: ServerEvaluator, parts: EvaluatorModeParts): ServerDetectionMode {
  return {
    name: evaluator.mode,
    download: parts.download,
    evaluate: async (payload, { accountId, conversationId, messageId }) => ({
      kind: 'verdicts',
      verdicts: (await evaluator.evaluate(payload, { accountId, conversationId, messageId })) ?? [],
    }),
    ...(parts.routes === undefined ? {} : { routes: parts.routes }),
    ...(parts.evaluateBodyBytes === undefined ? {} : { evaluateBodyBytes: parts.evaluateBodyBytes }),
    notes: parts.notes ?? [],
    close: parts.close ?? (async () => {}),
  };
}
