import { redactUrl } from '@safelight/sql';
import pg from 'pg';

/** The PostgreSQL the tests use: this machine's server unless SAFELIGHT_TEST_DATABASE_URL says otherwise. */
export const testDatabaseUrl =
  process.env.SAFELIGHT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Why the PostgreSQL suites cannot run here, or false when they can. A loaded machine can take
 * seconds to accept a connection, so the wait is generous. In CI PostgreSQL is part of the
 * machine, so an unreachable server is never a reason to skip: the suites run and fail loudly.
 */
export async function postgresSkipReason(): Promise<string | false> {
  const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return false;
  } catch (error) {
    const reason = `PostgreSQL unreachable at ${redactUrl(testDatabaseUrl)} (${error instanceof Error ? error.message : String(error)}); set SAFELIGHT_TEST_DATABASE_URL`;
    if (process.env.CI) {
      console.error(`# ${reason}: not skipping in CI`);
      return false;
    }
    return reason;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops test schemas (and everything in them), e.g. in a suite's `after`. */
export async function dropSchemas(...schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
