export * from './detector.js';
export * from './rules.js';
