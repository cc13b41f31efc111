export { GALOIS_STEPS, type HeClientOptions, HeFuzzyClient } from './client.js';
export { HeError, type HeErrorCode } from './errors.js';
export { createHeFuzzyMode, type HeFuzzyOptions, heFuzzyLeakage, heFuzzyMode } from './mode.js';
export { HASH_BITS, PLAIN_MODULUS_BITS, POLY_MODULUS_DEGREE } from './params.js';
export {
  type AnswerChannel,
  type HeExchange,
  HeFuzzyServer,
  type HeServerOptions,
  type HeStarted,
} from './server.js';
