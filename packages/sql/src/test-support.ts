// Shared by this package's tests only (not built).
import { sql } from 'kysely';
import type { MigrationSet } from './migrations.js';

/** A set whose one migration, `0001_broken`, fails on a missing table. */
export const brokenMigrations: MigrationSet = {
  table: 'broken_migration',
  migrations: {
    '0001_broken': {
      async up(db) {
        await sql`select * from no_such_table`.execute(db);
      },
    },
  },
};
