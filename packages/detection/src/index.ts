export {
  type BankSnapshot,
  type ClientDetector,
  DEFAULT_QUALITY_FLOOR,
  DEFAULT_RADIUS,
  type DetectionContext,
  type DetectionModeFactory,
  type DetectionModeName,
  type DetectionSetupOptions,
  type DetectionVerdict,
  type ImageSignals,
  type LeakageStatement,
  type ServerEvaluator,
} from './mode.js';
export * from './psi/index.js';
