// The MLS Delivery Service (docs/delivery.md): key packages, groups, ordered handshake, franked
// application messages, per-device inboxes, encrypted blobs. Payloads are base64url MLS messages;
// the server reads their framing only.
import { type Static, Type } from '@sinclair/typebox';
import { AccountId, B64u, Binary, BlobId, DeviceId, GroupId, MessageId, Millis, route } from './common.js';

/**
 * Static ceiling of an MLS message field (base64url characters). The server's configured message
 * limit (default 1 MiB) is enforced on the decoded bytes and by the body limit.
 */
const MLS_B64U_MAX = 128 * 1024 * 1024;

export const uploadKeyPackages = route({
  method: 'POST',
  url: '/v1/key-packages',
  summary: "Publish key packages for the caller's device",
  body: Type.Object({ keyPackages: Type.Array(B64u(16384), { minItems: 1, maxItems: 100 }) }),
  response: { 200: Type.Object({ stored: Type.Integer({ minimum: 0 }) }) },
});

export const claimKeyPackages = route({
  method: 'POST',
  url: '/v1/key-packages/claim',
  summary: "One key package of each of an account's devices (to add them to a group)",
  body: Type.Object({ accountId: AccountId }),
  response: {
    200: Type.Object({
      keyPackages: Type.Array(Type.Object({ deviceId: DeviceId, keyPackage: Type.String() })),
    }),
  },
});

export const createGroup = route({
  method: 'POST',
  url: '/v1/groups',
  summary: 'Register a new MLS group with the caller as its only member',
  body: Type.Object({ groupId: GroupId }),
  response: { 201: Type.Object({ groupId: GroupId, epoch: Type.Integer({ minimum: 0 }) }) },
});

export const Member = Type.Object({ deviceId: DeviceId, accountId: AccountId });

export const getGroup = route({
  method: 'GET',
  url: '/v1/groups/:groupId',
  summary: "A group's epoch and roster (members only)",
  params: Type.Object({ groupId: GroupId }),
  response: {
    200: Type.Object({ groupId: GroupId, epoch: Type.Integer({ minimum: 0 }), members: Type.Array(Member) }),
  },
});

export const postCommit = route({
  method: 'POST',
  url: '/v1/groups/:groupId/commits',
  summary: 'A commit for the current epoch (adds need a Welcome); ordered, idempotent per messageId',
  params: Type.Object({ groupId: GroupId }),
  body: Type.Object({
    messageId: MessageId,
    commit: B64u(MLS_B64U_MAX),
    welcome: Type.Optional(B64u(MLS_B64U_MAX)),
    addDevices: Type.Optional(Type.Array(DeviceId, { maxItems: 1000, uniqueItems: true })),
    removeDevices: Type.Optional(Type.Array(DeviceId, { maxItems: 1000, uniqueItems: true })),
  }),
  response: {
    200: Type.Object({
      seq: Type.Integer({ minimum: 1 }),
      epoch: Type.Integer({ minimum: 1 }),
      duplicate: Type.Optional(Type.Literal(true)),
    }),
  },
});

export const MessageAnswer = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  receivedAt: Millis,
  frank: Type.String({ description: 'b64u server frank' }),
  duplicate: Type.Optional(Type.Literal(true)),
});
export type MessageAnswer = Static<typeof MessageAnswer>;

export const postMessage = route({
  method: 'POST',
  url: '/v1/groups/:groupId/messages',
  summary: 'A franked application message for the current epoch; idempotent per messageId',
  params: Type.Object({ groupId: GroupId }),
  body: Type.Object({ messageId: MessageId, message: B64u(MLS_B64U_MAX) }),
  response: { 200: MessageAnswer },
});

export const InboxItem = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  kind: Type.Union([Type.Literal('commit'), Type.Literal('welcome'), Type.Literal('application')]),
  groupId: GroupId,
  messageId: MessageId,
  senderAccountId: AccountId,
  senderDeviceId: DeviceId,
  payload: Type.String({ description: 'b64u MLS message' }),
  receivedAt: Millis,
  frank: Type.Optional(Type.String({ description: 'b64u server frank (application messages)' })),
});
export type InboxItem = Static<typeof InboxItem>;

export const inbox = route({
  method: 'GET',
  url: '/v1/inbox',
  summary: "The caller's device inbox after a seq, in seq order",
  querystring: Type.Object({
    after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'at most the server limit (default 500)' })),
  }),
  response: { 200: Type.Object({ items: Type.Array(InboxItem), hasMore: Type.Boolean() }) },
});

export const ackInbox = route({
  method: 'POST',
  url: '/v1/inbox/ack',
  summary: "Delete the caller's inbox items up to a seq",
  body: Type.Object({ upTo: Type.Integer({ minimum: 0 }) }),
  response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }) },
});

export const webSocket = route({
  method: 'GET',
  url: '/v1/ws',
  summary:
    'WebSocket (bearer token in ?token=). Client frames: {type:"subscribe",after}, {type:"ack",upTo} and {type:"send",groupId,messageId,message}. Server frames: {type:"items",items}, {type:"acked",upTo,deleted}, {type:"sent",messageId,seq,receivedAt,frank}, {type:"send-error",messageId,error} and {type:"error",error}.',
  querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 256 })) }),
  response: { 101: Type.Unsafe<unknown>({ description: 'Switching Protocols: the WebSocket frames above' }) },
});

export const uploadBlob = route({
  method: 'POST',
  url: '/v1/blobs',
  summary: 'An encrypted attachment (application/octet-stream), stored by its SHA-256',
  response: { 201: Type.Object({ blobId: BlobId, size: Type.Integer({ minimum: 0 }) }) },
});

export const getBlob = route({
  method: 'GET',
  url: '/v1/blobs/:blobId',
  summary: 'An encrypted attachment',
  params: Type.Object({ blobId: BlobId }),
  response: { 200: Binary('application/octet-stream', 'the encrypted blob as uploaded') },
});
