import { sqliteStorage } from './server.test-support.js';
import { describeShape } from './shape.suite.js';

describeShape(sqliteStorage);
