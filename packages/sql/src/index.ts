export { asCallerError, type CallerErrorFactory, SqlError, type SqlErrorCode } from './errors.js';
export { type MigrationSet, migrateOrClose, migrateToLatest, type SqlFlavor } from './migrations.js';
export { isPostgresUrl, openPostgres, type PostgresOptions, redactUrl } from './postgres.js';
export { openSqlite, type SqliteOptions } from './sqlite.js';
