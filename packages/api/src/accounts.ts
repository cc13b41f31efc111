// Accounts, devices and sessions (docs/delivery.md, "Authentication"), the directory, and the
// operations endpoints. Signing up may declare a birth date (docs/safety.md).
import { type Static, Type } from '@sinclair/typebox';
import { AccountId, B64u, DeviceId, Handle, Millis, route } from './common.js';

const Proof = { challenge: B64u(64), signature: B64u(128) };

export const Session = Type.Object({ accountId: AccountId, deviceId: DeviceId, token: Type.String() });
export type Session = Static<typeof Session>;

export const health = route({
  method: 'GET',
  url: '/healthz',
  summary: 'Liveness: the process answers',
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
});

export const ready = route({
  method: 'GET',
  url: '/readyz',
  summary: 'Readiness: the database answers',
  response: { 200: Type.Object({ status: Type.Literal('ready') }) },
});

export const frankingKeys = route({
  method: 'GET',
  url: '/v1/franking/keys',
  summary: 'The franking key ids in use (moderators verify report franks against them)',
  response: {
    200: Type.Object({
      keys: Type.Array(
        Type.Object({
          keyId: Type.String(),
          current: Type.Boolean(),
          notAfter: Type.Union([Millis, Type.Null()]),
        }),
      ),
    }),
  },
});

export const authChallenge = route({
  method: 'POST',
  url: '/v1/auth/challenge',
  summary: 'A single-use challenge to sign for register or login',
  response: { 200: Type.Object({ challenge: Type.String(), expiresAt: Millis }) },
});

export const createAccount = route({
  method: 'POST',
  url: '/v1/accounts',
  summary:
    'Sign up: the account, its first device, a session and (if declared) the safety profile, in one transaction',
  body: Type.Object({
    handle: Handle,
    publicKey: B64u(64, 'Ed25519 public key of the first device'),
    ...Proof,
    dateOfBirth: Type.Optional(Type.String({ maxLength: 32, description: 'YYYY-MM-DD' })),
  }),
  response: { 201: Session },
});

export const login = route({
  method: 'POST',
  url: '/v1/auth/login',
  summary: 'A new session for a registered device',
  body: Type.Object({ deviceId: DeviceId, ...Proof }),
  response: { 200: Type.Object({ token: Type.String(), expiresAt: Millis }) },
});

export const addDevice = route({
  method: 'POST',
  url: '/v1/devices',
  summary: "Another device on the caller's account",
  body: Type.Object({ publicKey: B64u(64), ...Proof }),
  response: { 201: Session },
});

export const accountByHandle = route({
  method: 'GET',
  url: '/v1/accounts/by-handle/:handle',
  summary: 'An account and its devices, by handle',
  params: Type.Object({ handle: Handle }),
  response: {
    200: Type.Object({ accountId: AccountId, handle: Handle, devices: Type.Array(DeviceId) }),
  },
});

export const accountById = route({
  method: 'GET',
  url: '/v1/accounts/:accountId',
  summary: 'The handle of an account id (to show who a contact, request or sender is)',
  params: Type.Object({ accountId: AccountId }),
  response: { 200: Type.Object({ accountId: AccountId, handle: Handle }) },
});
