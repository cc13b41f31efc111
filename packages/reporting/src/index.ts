export * from './ncmec/index.js';
