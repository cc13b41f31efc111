import { surfaces } from '@safelight/api';
import type { AppContext } from '../../../context.js';
import { fromContract } from '../../../http.js';
import { type RouteModule, sessionOf } from '../../route.js';

const tags = ['surfaces'];

/**
 * Checks a change on a read (term lists, image hashing: no transaction held). A known image is
 * recorded as a case on the account in a write of its own, which commits, and then refused.
 * Returns the stored avatar's blob id.
 */
async function checked(
  ctx: AppContext,
  accountId: string,
  where: string,
  texts: Record<string, string | undefined>,
  avatar: string | undefined,
): Promise<string | undefined> {
  const verdict = await ctx.read().surfaces.check(accountId, where, texts, avatar);
  if (verdict.ok) return verdict.avatarBlobId;
  await ctx.write((s) => s.surfaces.recordKnownImage(verdict));
  throw ctx.read().surfaces.knownImageRefusal();
}

export const accountProfile: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(surfaces.updateProfile, tags),
    handler: async (request) => {
      const { accountId } = sessionOf(request);
      const { displayName, description, avatar } = request.body;
      const avatarBlobId = await checked(
        ctx,
        accountId,
        'profile photo',
        { displayName, description },
        avatar,
      );
      return ctx.write((s) => s.surfaces.saveAccount(accountId, { displayName, description }, avatarBlobId));
    },
  });
};

/** A group's public profile: members only (checked before anything, and again in the write). */
export const groupProfile: RouteModule = (app, ctx) => {
  app.route({
    ...fromContract(surfaces.updateGroupProfile, tags),
    handler: async (request) => {
      const { accountId, deviceId } = sessionOf(request);
      const { groupId } = request.params;
      await ctx.read().surfaces.mustBeMember(deviceId, groupId);
      const { name, description, avatar } = request.body;
      const avatarBlobId = await checked(
        ctx,
        accountId,
        'group avatar',
        { groupName: name, description },
        avatar,
      );
      return ctx.write((s) =>
        s.surfaces.saveGroup(deviceId, groupId, { displayName: name, description }, avatarBlobId),
      );
    },
  });
};
