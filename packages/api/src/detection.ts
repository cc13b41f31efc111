// Detection around end-to-end encrypted messages (docs/detection-modes.md): what a device downloads
// to build the mode's client half, the payload it posts for an image it sent, and the he-fuzzy
// round trip. The evaluate answer is the same for a match and a non-match (never a verdict).
import { Type } from '@sinclair/typebox';
import { B64u, B64uOrEmpty, Binary, GroupId, MessageId, route } from './common.js';

const Matching = {
  radius: Type.Integer({ minimum: 0, maximum: 256 }),
  qualityFloor: Type.Integer({ minimum: 0 }),
};
const Commitment = Type.Object({
  root: Type.String({ description: 'hex SHA-256 Merkle root' }),
  treeSize: Type.Integer(),
});

/** One shape per mode; `{ mode: null }` when the platform runs none (or provisions devices itself). */
export const DeviceDownload = Type.Union([
  Type.Object({ mode: Type.Null() }),
  Type.Object({ mode: Type.Literal('server-plaintext') }),
  Type.Object({
    mode: Type.Literal('client-match'),
    bankName: Type.String(),
    snapshot: Type.String({ description: 'b64u bank snapshot' }),
    commitment: Commitment,
    ...Matching,
  }),
  Type.Object({
    mode: Type.Literal('psi-threshold'),
    publication: Type.Object({
      version: Type.Integer(),
      bankName: Type.String(),
      bankCommitment: Commitment,
      keys: Type.Object({ keysPerImage: Type.Integer(), bitsPerKey: Type.Integer(), seed: Type.String() }),
      threshold: Type.Integer(),
      serverPublic: Type.String({ description: 'hex u(k·B)' }),
      table: Type.Object({ seed: Type.String(), size: Type.Integer(), sha256: Type.String() }),
    }),
    ...Matching,
    syntheticRate: Type.Number({ minimum: 0, maximum: 1 }),
    table: Type.Object({ url: Type.String(), bytes: Type.Integer({ minimum: 0 }) }),
  }),
  Type.Object({
    mode: Type.Literal('he-fuzzy'),
    parameters: Type.String({ description: 'hex BFV parameter fingerprint' }),
    bucketBits: Type.Integer({ minimum: 0 }),
    ...Matching,
  }),
  Type.Object({
    mode: Type.Literal('enclave'),
    provider: Type.String(),
    attestation: Type.String({ description: 'b64u attestation document' }),
    bankName: Type.String(),
    ...Matching,
  }),
]);

export const deviceDownload = route({
  method: 'GET',
  url: '/v1/detection/device',
  summary: "What a device downloads to build the platform's detection client half",
  response: { 200: DeviceDownload },
});

export const Challenge = Type.Object({ id: Type.String(), bytes: Type.String({ description: 'b64u' }) });

export const evaluate = route({
  method: 'POST',
  url: '/v1/detection/evaluate',
  summary:
    'The detection payload for one image of a message this device sent; the answer never carries the verdict',
  body: Type.Object(
    {
      conversationId: GroupId,
      messageId: MessageId,
      payload: B64uOrEmpty(Math.ceil((4 * 1024 * 1024 * 4) / 3)),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({
      accepted: Type.Literal(true),
      challenge: Type.Optional(Challenge),
    }),
  },
});

export const psiTable = route({
  method: 'GET',
  url: '/v1/detection/psi/table',
  summary: 'psi-threshold: the blinded table (binary; ETag is the published SHA-256)',
  response: {
    200: Binary('application/octet-stream', 'magic, seed, size, elements'),
    304: Type.Unsafe<unknown>({ description: 'Not modified (If-None-Match matched the ETag)' }),
  },
});

export const heKeys = route({
  method: 'POST',
  url: '/v1/detection/he/keys',
  summary: "he-fuzzy: the device's public evaluation keys (application/octet-stream, about 2 MiB)",
  response: {
    200: Type.Object({ keyId: Type.String() }),
    201: Type.Object({ keyId: Type.String() }),
  },
});

export const heAnswer = route({
  method: 'POST',
  url: '/v1/detection/he/answer',
  summary: 'he-fuzzy: the answer to a challenge from evaluate, on any server process',
  body: Type.Object(
    {
      challengeId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }),
      answer: B64u(4096),
    },
    { additionalProperties: false },
  ),
  response: { 200: Type.Object({ accepted: Type.Literal(true) }) },
});
