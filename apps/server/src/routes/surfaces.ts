import { Readable } from 'node:stream';
import { BankIndex, type BankSnapshot, DEFAULT_QUALITY_FLOOR, DEFAULT_RADIUS } from '@safelight/detection';
import { hashImageBytes } from '@safelight/media';
import { parsePdqHex } from '@safelight/pdq';
import { TermMatcher } from '@safelight/safety';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blobs.js';
import { fromB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import { recordMatch } from '../services/moderation.js';
import type { DeliveryRepository, SessionRow } from '../storage/repository.js';
import type { GroupCommitWriter } from '../writer.js';

/**
 * The unencrypted surfaces: what a platform shows outside end-to-end encryption — display names,
 * profile photos, and a group's public name, description and avatar (as WhatsApp's are). The server
 * can see them, so it checks them: names against term lists (Unicode-normalised: confusables,
 * leetspeak, spacing tricks; packages/safety), images against the banks (PDQ within the radius).
 */
export interface SurfacesConfig {
  /** Terms refused in names and descriptions (ordinary words in tests). */
  readonly terms?: readonly string[];
  /** Bank for profile photos and group avatars. */
  readonly bank?: BankSnapshot;
  readonly radius?: number;
  readonly qualityFloor?: number;
  /** Largest image accepted, bytes (default 2 MiB). */
  readonly maxImageBytes?: number;
}

export interface SurfaceRoutesOptions {
  repository: DeliveryRepository;
  writer: GroupCommitWriter;
  blobs: BlobStore;
  authenticate: (request: FastifyRequest) => Promise<void>;
  now: () => number;
  config?: SurfacesConfig | undefined;
}

interface Profile {
  displayName?: string;
  description?: string;
  avatarBlobId?: string;
}

const profileBody = (nameField: string) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    [nameField]: { type: 'string', minLength: 1, maxLength: 100 },
    description: { type: 'string', maxLength: 1000 },
    avatar: { type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength: Math.ceil((4 * 1024 * 1024 * 4) / 3) },
  },
});

export const surfaceRoutes = fp(async (app: FastifyInstance, options: SurfaceRoutesOptions) => {
  const { repository, writer, blobs, authenticate, now } = options;
  const config = options.config ?? {};
  const terms = new TermMatcher(config.terms ?? []);
  const bank = config.bank
    ? new BankIndex(config.bank.entries, {
        radius: config.radius ?? DEFAULT_RADIUS,
        qualityFloor: config.qualityFloor ?? DEFAULT_QUALITY_FLOOR,
      })
    : undefined;
  const maxImageBytes = config.maxImageBytes ?? 2 * 1024 * 1024;
  // Public profiles: metadata only, one JSON row per account or group (migration 0005_surfaces).
  type Db = Kysely<{ surface_profiles: { subject: string; profile: string; updated_at: number } }>;
  const dbOf = (queries: unknown): Db => {
    const db = (queries as { db?: Db }).db;
    if (db === undefined) throw new Error('surfaces need a Kysely-backed delivery repository');
    return db;
  };
  const loadProfile = async (subject: string): Promise<Profile> => {
    const row = await dbOf(repository)
      .selectFrom('surface_profiles')
      .select('profile')
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row ? (JSON.parse(row.profile) as Profile) : {};
  };
  const saveProfile = (subject: string, profile: Profile) =>
    writer.submit((tx) =>
      dbOf(tx)
        .insertInto('surface_profiles')
        .values({ subject, profile: JSON.stringify(profile), updated_at: now() })
        .onConflict((c) =>
          c.column('subject').doUpdateSet({ profile: JSON.stringify(profile), updated_at: now() }),
        )
        .execute(),
    );

  /**
   * Checks names and an image for one subject; a bank match opens a case on the subject and the
   * change is refused. Returns the stored avatar's blob id.
   */
  async function check(
    subjectAccountId: string,
    where: string,
    texts: Record<string, string | undefined>,
    avatar: string | undefined,
  ): Promise<string | undefined> {
    const found = terms.matchSurfaces(texts);
    if (found.length > 0) {
      throw new ServerError('POLICY_REFUSED', `${found[0]?.surface} contains a blocked term`, {
        rule: 'BLOCKED_TERM',
        field: found[0]?.surface,
      });
    }
    if (avatar === undefined) return undefined;
    const bytes = fromB64u(avatar, 'avatar');
    if (bytes.length > maxImageBytes) {
      throw new ServerError('BLOB_TOO_LARGE', `avatar is over ${maxImageBytes} bytes`, {
        limit: maxImageBytes,
      });
    }
    let hashes: Awaited<ReturnType<typeof hashImageBytes>>;
    try {
      hashes = await hashImageBytes(bytes);
    } catch (error) {
      throw new ServerError(
        'VALIDATION_FAILED',
        `avatar is not a usable image (${(error as { code?: string }).code ?? 'decode'})`,
      );
    }
    const match = bank?.match(parsePdqHex(hashes.pdq), hashes.quality);
    if (match) {
      const at = now();
      await writer.submit((tx) =>
        recordMatch(tx, {
          subjectAccountId,
          at,
          source: 'hash-match',
          detail: `${where}: image matched ${config.bank?.bankName}/${match.bankEntryId} at distance ${match.distance}`,
          audit: { surface: where, bankEntryId: match.bankEntryId, distance: match.distance },
        }),
      );
      throw new ServerError('POLICY_REFUSED', 'this image cannot be used', { rule: 'KNOWN_IMAGE' });
    }
    const stored = await blobs.put(Readable.from([Buffer.from(bytes)]));
    return stored.blobId;
  }

  app.put<{ Body: { displayName?: string; description?: string; avatar?: string } }>(
    '/v1/profile',
    {
      onRequest: authenticate,
      schema: { tags: ['surfaces'], security: [{ bearer: [] }], body: profileBody('displayName') },
    },
    async (request) => {
      const { accountId } = request.session as SessionRow;
      const { displayName, description, avatar } = request.body;
      const avatarBlobId = await check(accountId, 'profile photo', { displayName, description }, avatar);
      const profile = await loadProfile(accountId);
      if (displayName !== undefined) profile.displayName = displayName;
      if (description !== undefined) profile.description = description;
      if (avatarBlobId !== undefined) profile.avatarBlobId = avatarBlobId;
      await saveProfile(accountId, profile);
      return { accountId, ...profile };
    },
  );

  app.put<{ Params: { groupId: string }; Body: { name?: string; description?: string; avatar?: string } }>(
    '/v1/groups/:groupId/profile',
    {
      onRequest: authenticate,
      schema: { tags: ['surfaces'], security: [{ bearer: [] }], body: profileBody('name') },
    },
    async (request) => {
      const { accountId, deviceId } = request.session as SessionRow;
      const { groupId } = request.params;
      if (!(await repository.members(groupId)).some((m) => m.deviceId === deviceId)) {
        throw new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
      }
      const { name, description, avatar } = request.body;
      const avatarBlobId = await check(accountId, 'group avatar', { groupName: name, description }, avatar);
      const key = `group:${groupId}`;
      const profile = await loadProfile(key);
      if (name !== undefined) profile.displayName = name;
      if (description !== undefined) profile.description = description;
      if (avatarBlobId !== undefined) profile.avatarBlobId = avatarBlobId;
      await saveProfile(key, profile);
      return {
        groupId,
        name: profile.displayName,
        description: profile.description,
        avatarBlobId: profile.avatarBlobId,
      };
    },
  );
});
