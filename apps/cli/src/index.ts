export { runDemo } from './commands/demo.js';
export { HASH_DEFAULTS, type HashCommandOptions, type HashRunResult, runHash } from './commands/hash.js';
export { expandInputs, IMAGE_EXTENSIONS } from './inputs.js';
export { OUTPUT_FORMATS, type OutputFormat } from './output.js';
