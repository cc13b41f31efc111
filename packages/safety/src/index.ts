export * from './classifier/index.js';
export * from './classifier/outgoing.js';
export * from './errors.js';
export * from './nudges/index.js';
export * from './policy/index.js';
export * from './signals/index.js';
export * from './terms/index.js';
