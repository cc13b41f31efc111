import { postgresSkipReason } from '../../../tests/support/postgres.js';
import { describeDelivery } from './http.suite.js';
import { postgresStorage } from './server.test-support.js';

const skip = await postgresSkipReason();
if (skip) console.warn(`# skipping PostgreSQL delivery tests: ${skip}`);
describeDelivery(postgresStorage, { skip });
