import type { frankStamper, ServerFrankingKey } from '@safelight/franking';
import type { BlobStore } from '../blobs.js';
import type { ResolvedConfig, SafetyConfig } from '../config.js';
import type { PushHub } from '../hub.js';
import type { ServerMetrics } from '../metrics.js';
import { AccountService } from './accounts.js';
import { DeliveryService } from './delivery.js';
import { DetectionService } from './detection.js';
import type { ModerationDeps } from './moderation/deps.js';
import { ModerationService } from './moderation.js';
import { type ResolvedRisk, RiskService } from './risk.js';
import { ContactService } from './safety/contacts.js';
import { ParentService } from './safety/parents.js';
import { SafetyService } from './safety/policy.js';
import type { Scope } from './scope.js';
import { type PreparedSurfaces, SurfaceService } from './surfaces.js';

/** What services share across transactions: configuration, clock, keys and process-wide parts. */
export interface ServiceDeps {
  readonly config: ResolvedConfig;
  readonly now: () => number;
  readonly frankingKey: ServerFrankingKey;
  readonly stampFrank: ReturnType<typeof frankStamper>;
  readonly hub: PushHub;
  readonly metrics: ServerMetrics;
  readonly safety: SafetyConfig;
  /** The risk engine's thresholds and weights, checked at start. */
  readonly risk: ResolvedRisk;
  /** Term lists and the bank of the unencrypted surfaces, built at start. */
  readonly surfaces: PreparedSurfaces;
  /** Where accepted avatars are stored (content-addressed). */
  readonly blobs: BlobStore;
  /** Staff directory, evidence vault and files, franking keyring, NCMEC filer (moderation). */
  readonly moderation: ModerationDeps;
}

/** Every service, bound to one scope (one write transaction, or the database for reads). */
export interface Services {
  readonly accounts: AccountService;
  readonly delivery: DeliveryService;
  readonly detection: DetectionService;
  readonly safety: SafetyService;
  readonly contacts: ContactService;
  readonly parents: ParentService;
  readonly risk: RiskService;
  readonly surfaces: SurfaceService;
  readonly moderation: ModerationService;
}

export type ServiceName = keyof Services;

/**
 * Test overrides (as in Ozone's context): each gets the service as built and returns the one to
 * use, e.g. one whose method fails, to test what a failure in the middle of a write leaves behind.
 */
export type ServiceOverrides = {
  readonly [K in ServiceName]?: (service: Services[K], scope: Scope) => Services[K];
};

const FACTORIES: {
  readonly [K in ServiceName]: (scope: Scope, deps: ServiceDeps, services: Services) => Services[K];
} = {
  accounts: (scope, deps, services) => new AccountService(scope, deps, services),
  delivery: (scope, deps, services) => new DeliveryService(scope, deps, services),
  detection: (scope, deps, services) => new DetectionService(scope, deps, services),
  safety: (scope, deps) => new SafetyService(scope, deps),
  contacts: (scope, deps, services) => new ContactService(scope, deps, services),
  parents: (scope, deps, services) => new ParentService(scope, deps, services),
  risk: (scope, deps, services) => new RiskService(scope, deps, services),
  surfaces: (scope, deps, services) => new SurfaceService(scope, deps, services),
  moderation: (scope, deps) => new ModerationService(scope, deps),
};

/**
 * The services of one scope, each made on first use (a message send builds only delivery's).
 * Services reach each other through the set, so a write that spans domains (signup writes the
 * safety profile) stays in one transaction. One of these is made per write, so it is a plain
 * class with its getters on the prototype: no per-write property definitions, little garbage on
 * the message path.
 */
class BoundServices implements Services {
  private readonly made: Partial<Record<ServiceName, unknown>> = {};

  constructor(
    private readonly scope: Scope,
    private readonly deps: ServiceDeps,
    private readonly overrides: ServiceOverrides,
  ) {}

  private get<K extends ServiceName>(name: K): Services[K] {
    let service = this.made[name] as Services[K] | undefined;
    if (service === undefined) {
      const built = FACTORIES[name](this.scope, this.deps, this);
      const override = this.overrides[name] as ((s: Services[K], scope: Scope) => Services[K]) | undefined;
      service = override ? override(built, this.scope) : built;
      this.made[name] = service;
    }
    return service;
  }

  get accounts() {
    return this.get('accounts');
  }
  get delivery() {
    return this.get('delivery');
  }
  get detection() {
    return this.get('detection');
  }
  get safety() {
    return this.get('safety');
  }
  get contacts() {
    return this.get('contacts');
  }
  get parents() {
    return this.get('parents');
  }
  get risk() {
    return this.get('risk');
  }
  get surfaces() {
    return this.get('surfaces');
  }
  get moderation() {
    return this.get('moderation');
  }
}

const NO_OVERRIDES: ServiceOverrides = {};

export function bindServices(
  scope: Scope,
  deps: ServiceDeps,
  overrides: ServiceOverrides = NO_OVERRIDES,
): Services {
  return new BoundServices(scope, deps, overrides);
}
