// The Safelight server's API contract: one TypeBox schema per request and response, used by the
// server to validate requests and filter responses, by the client SDK and the console for their
// types, and by @fastify/swagger for GET /openapi.json.
export * as accounts from './accounts.js';
export * from './common.js';
export * as delivery from './delivery.js';
export * as detection from './detection.js';
export * as moderation from './moderation.js';
export * as reports from './reports.js';
export * as safety from './safety.js';
export * as surfaces from './surfaces.js';
