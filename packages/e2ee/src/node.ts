// Node-only entry: `@safelight/e2ee/node`.
export { FileStateStore } from './file-state-store.js';
