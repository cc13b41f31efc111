export * from './matcher.js';
export * from './normalise.js';
