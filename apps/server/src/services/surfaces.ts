import { Readable } from 'node:stream';
import { BankIndex, type BankSnapshot, DEFAULT_QUALITY_FLOOR, DEFAULT_RADIUS } from '@safelight/detection';
import { hashImageBytes } from '@safelight/media';
import { parsePdqHex } from '@safelight/pdq';
import { TermMatcher } from '@safelight/safety';
import { fromB64u } from '../encoding.js';
import { ServerError } from '../errors.js';
import type { Scope } from './scope.js';
import type { ServiceDeps, Services } from './services.js';

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

/** The checks as built once at start (context.ts). */
export interface PreparedSurfaces {
  readonly terms: TermMatcher;
  readonly bank: BankIndex | undefined;
  readonly bankName: string | undefined;
  readonly maxImageBytes: number;
}

export function prepareSurfaces(config: SurfacesConfig = {}): PreparedSurfaces {
  return {
    terms: new TermMatcher(config.terms ?? []),
    bank: config.bank
      ? new BankIndex(config.bank.entries, {
          radius: config.radius ?? DEFAULT_RADIUS,
          qualityFloor: config.qualityFloor ?? DEFAULT_QUALITY_FLOOR,
        })
      : undefined,
    bankName: config.bank?.bankName,
    maxImageBytes: config.maxImageBytes ?? 2 * 1024 * 1024,
  };
}

/** A public profile (migration 0005_surfaces): one JSON row per account or `group:<groupId>`. */
export interface SurfaceProfile {
  displayName?: string;
  description?: string;
  avatarBlobId?: string;
}

/** What a change asks for: names and descriptions, and a new image (b64u). */
export interface SurfaceChange {
  readonly displayName?: string | undefined;
  readonly description?: string | undefined;
  readonly avatar?: string | undefined;
}

/** A checked change: the image stored (when one came), or the bank entry it matched. */
export type CheckedSurface =
  | { readonly ok: true; readonly avatarBlobId: string | undefined }
  | {
      readonly ok: false;
      readonly subjectAccountId: string;
      readonly where: string;
      readonly bankEntryId: string;
      readonly distance: number;
    };

/**
 * Checks and stores the public profiles. `check` runs on a read (term lists, decoding and hashing
 * an image hold no transaction; an accepted image goes to the blob store, content-addressed); a
 * known image is then recorded as a case on the account in a write (`recordKnownImage`) and the
 * change refused (`knownImageRefusal`); a clean change is saved in a write (`saveAccount`,
 * `saveGroup`).
 */
export class SurfaceService {
  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly services: Services,
  ) {}

  private get checks(): PreparedSurfaces {
    return this.deps.surfaces;
  }

  /** NOT_A_MEMBER unless the device is in the group. */
  async mustBeMember(deviceId: string, groupId: string): Promise<void> {
    if (!(await this.scope.tx.members(groupId)).some((m) => m.deviceId === deviceId)) {
      throw new ServerError('NOT_A_MEMBER', 'this device is not a member of the group');
    }
  }

  /**
   * Names against the term list (refused naming the field), then the image against the bank.
   * `texts` names each text by the field the client sent (displayName, groupName, description).
   */
  async check(
    subjectAccountId: string,
    where: string,
    texts: Record<string, string | undefined>,
    avatar: string | undefined,
  ): Promise<CheckedSurface> {
    const found = this.checks.terms.matchSurfaces(texts);
    if (found.length > 0) {
      throw new ServerError('POLICY_REFUSED', `${found[0]?.surface} contains a blocked term`, {
        rule: 'BLOCKED_TERM',
        field: found[0]?.surface,
      });
    }
    if (avatar === undefined) return { ok: true, avatarBlobId: undefined };
    const bytes = fromB64u(avatar, 'avatar');
    const { maxImageBytes } = this.checks;
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
    const match = this.checks.bank?.match(parsePdqHex(hashes.pdq), hashes.quality);
    if (match) {
      return {
        ok: false,
        subjectAccountId,
        where,
        bankEntryId: match.bankEntryId,
        distance: match.distance,
      };
    }
    const stored = await this.deps.blobs.put(Readable.from([Buffer.from(bytes)]));
    return { ok: true, avatarBlobId: stored.blobId };
  }

  /** A known image opens (or extends) a case on the account that tried to use it. */
  async recordKnownImage(match: Extract<CheckedSurface, { ok: false }>): Promise<void> {
    await this.services.moderation.recordMatch({
      subjectAccountId: match.subjectAccountId,
      at: this.deps.now(),
      source: 'hash-match',
      detail: `${match.where}: image matched ${this.checks.bankName}/${match.bankEntryId} at distance ${match.distance}`,
      audit: { surface: match.where, bankEntryId: match.bankEntryId, distance: match.distance },
    });
  }

  /** The refusal of a known image: it names no bank, entry or distance. */
  knownImageRefusal(): ServerError {
    return new ServerError('POLICY_REFUSED', 'this image cannot be used', { rule: 'KNOWN_IMAGE' });
  }

  /** Saves an account's checked change; returns its whole public profile. */
  async saveAccount(
    accountId: string,
    change: SurfaceChange,
    avatarBlobId: string | undefined,
  ): Promise<{ accountId: string } & SurfaceProfile> {
    return { accountId, ...(await this.save(accountId, change, avatarBlobId)) };
  }

  /** Saves a group's checked change (members only); returns its whole public profile. */
  async saveGroup(
    deviceId: string,
    groupId: string,
    change: SurfaceChange,
    avatarBlobId: string | undefined,
  ): Promise<{ groupId: string; name?: string; description?: string; avatarBlobId?: string }> {
    await this.mustBeMember(deviceId, groupId);
    const profile = await this.save(`group:${groupId}`, change, avatarBlobId);
    return {
      groupId,
      ...(profile.displayName === undefined ? {} : { name: profile.displayName }),
      ...(profile.description === undefined ? {} : { description: profile.description }),
      ...(profile.avatarBlobId === undefined ? {} : { avatarBlobId: profile.avatarBlobId }),
    };
  }

  private async save(
    subject: string,
    change: SurfaceChange,
    avatarBlobId: string | undefined,
  ): Promise<SurfaceProfile> {
    const row = await this.scope.tx.db
      .selectFrom('surface_profiles')
      .select('profile')
      .where('subject', '=', subject)
      .executeTakeFirst();
    const profile: SurfaceProfile = row ? (JSON.parse(row.profile) as SurfaceProfile) : {};
    if (change.displayName !== undefined) profile.displayName = change.displayName;
    if (change.description !== undefined) profile.description = change.description;
    if (avatarBlobId !== undefined) profile.avatarBlobId = avatarBlobId;
    const text = JSON.stringify(profile);
    const at = this.deps.now();
    await this.scope.tx.db
      .insertInto('surface_profiles')
      .values({ subject, profile: text, updated_at: at })
      .onConflict((c) => c.column('subject').doUpdateSet({ profile: text, updated_at: at }))
      .execute();
    return profile;
  }
}
