// The unencrypted surfaces (docs/safety.md): what a platform shows outside end-to-end encryption —
// an account's display name, description and photo, a group's public name, description and avatar.
// The server sees them, so it checks them: names against term lists, images against a bank.
import { type Static, Type } from '@sinclair/typebox';
import { AccountId, B64uOrEmpty, BlobId, GroupId, route } from './common.js';

/** Static ceiling of an avatar (base64url characters); the server's configured limit is on the bytes. */
const AVATAR_B64U_MAX = Math.ceil((4 * 1024 * 1024 * 4) / 3);

const Name = Type.String({ minLength: 1, maxLength: 100 });
const Description = Type.String({ maxLength: 1000 });
const Avatar = B64uOrEmpty(AVATAR_B64U_MAX, 'b64u image bytes (checked against the bank)');

export const updateProfile = route({
  method: 'PUT',
  url: '/v1/profile',
  summary: "Change the caller's public display name, description or photo (fields left out stay)",
  body: Type.Object(
    {
      displayName: Type.Optional(Name),
      description: Type.Optional(Description),
      avatar: Type.Optional(Avatar),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({
      accountId: AccountId,
      displayName: Type.Optional(Type.String()),
      description: Type.Optional(Type.String()),
      avatarBlobId: Type.Optional(BlobId),
    }),
  },
});
export type AccountProfile = Static<(typeof updateProfile.response)[200]>;

export const updateGroupProfile = route({
  method: 'PUT',
  url: '/v1/groups/:groupId/profile',
  summary: "Change a group's public name, description or avatar (members only)",
  params: Type.Object({ groupId: GroupId }),
  body: Type.Object(
    { name: Type.Optional(Name), description: Type.Optional(Description), avatar: Type.Optional(Avatar) },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({
      groupId: GroupId,
      name: Type.Optional(Type.String()),
      description: Type.Optional(Type.String()),
      avatarBlobId: Type.Optional(BlobId),
    }),
  },
});
export type GroupProfile = Static<(typeof updateGroupProfile.response)[200]>;
