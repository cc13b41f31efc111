import { describeDelivery } from './http.suite.js';
import { sqliteStorage } from './server.test-support.js';

describeDelivery(sqliteStorage);
