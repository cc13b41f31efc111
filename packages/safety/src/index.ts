export * from './errors.js';
export * from './policy/index.js';
