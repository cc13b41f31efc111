export * from './errors.js';
export * from './policy/index.js';
export * from './signals/index.js';
export * from './terms/index.js';
