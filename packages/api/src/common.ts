// Building blocks every part of the contract uses: identifiers, base64url strings and the error
// shape. One definition each, so a pattern is changed in one place for server, SDK and console.
import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/** A base64url string (no padding) of at most `maxLength` characters. */
export const B64u = (maxLength: number, description?: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9_-]+$',
    minLength: 1,
    maxLength,
    ...(description === undefined ? {} : { description }),
  });

/** Like B64u, but the empty string is allowed (an empty plaintext, say). */
export const B64uOrEmpty = (maxLength: number, description?: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9_-]*$',
    maxLength,
    ...(description === undefined ? {} : { description }),
  });

export const AccountId = Type.String({ pattern: '^acct_[A-Za-z0-9_-]{22}$', description: 'acct_ + 22 b64u' });
export const DeviceId = Type.String({
  pattern: '^[A-Za-z0-9_-]{22}$',
  description: 'b64u of the first 16 bytes of SHA-256 over the device key',
});
export const Handle = Type.String({ pattern: '^[a-z0-9_]{3,32}$' });
export const MessageId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });
export const GroupId = B64u(86, 'b64u MLS group id, at most 64 bytes');
export const BlobId = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'SHA-256 hex of the stored bytes',
});
export const CaseId = Type.String({ maxLength: 64 });
/**
 * One of `values`, as a JSON Schema string enum. Typed for both TypeBox lines: Static<> (0.34, this
 * package) reads the Unsafe type, the Fastify type provider (TypeBox 1) reads it as an Enum.
 */
export const StringEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] }) as TUnsafe<T[number]> & {
    readonly '~kind': 'Enum';
    readonly enum: [...T];
  };

/** Milliseconds since the Unix epoch. */
export const Millis = Type.Integer({ minimum: 0 });

/** `{ accountId }`: the body of every "act on that account" request. */
export const AccountRef = Type.Object({ accountId: AccountId }, { additionalProperties: false });

/**
 * Every error answer: RFC 9457 problem details (`application/problem+json`). `code` is stable —
 * clients branch on it, never on `detail`'s wording; further members carry details of the error
 * (`currentEpoch`, `limit`, `field`, `rule`...).
 */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'urn:safelight:problem:<code in kebab case>' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
  },
  { additionalProperties: true, $id: 'Problem' },
);
export type Problem = Static<typeof Problem>;

/** The problem `type` URI for a code: `WRONG_EPOCH` -> `urn:safelight:problem:wrong-epoch`. */
export function problemType(code: string): string {
  return `urn:safelight:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** A response that is not JSON (a file, a stream, a page): documented by media type only. */
export const Binary = (mediaType: string, description: string) =>
  Type.Unsafe<unknown>({
    description,
    content: { [mediaType]: { schema: { type: 'string', format: 'binary' } } },
  });

/** The route's contract: what it takes and, for every answer, what it gives back. */
export interface RouteContract {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly body?: TSchema;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  /** Status -> schema. Error statuses are added for every route (the Problem schema). */
  readonly response: Readonly<Record<number, TSchema>>;
}

/** Names the contract with its literal types kept (so Static<> of its parts stays precise). */
export const route = <const C extends RouteContract>(contract: C): C => contract;
