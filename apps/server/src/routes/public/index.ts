import type { AppContext } from '../../context.js';
import type { Api } from '../../http.js';
import { registerAll } from '../route.js';
import { authChallenge, createAccount, login } from './auth.js';
import { detectionDownload } from './detection.js';
import { frankingKeys } from './franking-keys.js';
import { operations } from './operations.js';

/** Routes anyone may call: operations, franking keys, sign-up, login and the detection download. */
export async function publicRoutes(app: Api, ctx: AppContext): Promise<void> {
  await registerAll(app, ctx, [
    operations,
    frankingKeys,
    authChallenge,
    createAccount,
    login,
    detectionDownload,
  ]);
}
