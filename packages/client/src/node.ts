// @safelight/client/node: what only Node devices can run. The detection modes beyond client-match
// need node:crypto, sodium-native and node-seal, so they live here and never reach a browser bundle.
export {
  nodeDetectionModes,
  provisionEnclave,
  provisionHeFuzzy,
  provisionPsiThreshold,
  provisionServerPlaintext,
} from './detection/node-modes.js';
