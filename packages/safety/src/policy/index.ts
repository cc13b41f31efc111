export * from './age.js';
export * from './decide.js';
export * from './settings.js';
