/**
 * Importing this module registers the format and commitment tests into the shared repository
 * suite, so the SQLite and PostgreSQL test files both run them.
 */
import '../commitment/commitment.suite.js';
import '../formats/formats.suite.js';
