import { postgresSkipReason } from '../../../tests/support/postgres.js';
import { postgresStorage } from './server.test-support.js';
import { describeShape } from './shape.suite.js';

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping PostgreSQL server-shape tests: ${skip}`);
describeShape(postgresStorage, { skip });
