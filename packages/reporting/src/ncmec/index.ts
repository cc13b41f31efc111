// `@safelight/reporting/ncmec`: the CyberTipline Reporting API client (network, Node's Buffer) and
// the exactly-once submission flow over it. The pure model (report types, XML, schema, response
// codes, errors) is the package root; the Fastify test double is `@safelight/reporting/ncmec/double`.
export * from './client.js';
export * from './submission.js';
