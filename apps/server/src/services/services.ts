import type { frankStamper, ServerFrankingKey } from '@safelight/franking';
import type { ResolvedConfig, SafetyConfig } from '../config.js';
import type { PushHub } from '../hub.js';
import type { ServerMetrics } from '../metrics.js';
import { AccountService } from './accounts.js';
import { DeliveryService } from './delivery.js';
import type { ModerationDeps } from './moderation/deps.js';
import { ModerationService } from './moderation.js';
import { SafetyService } from './safety.js';
import type { Scope } from './scope.js';

/** What services share across transactions: configuration, clock, keys and process-wide parts. */
export interface ServiceDeps {
  readonly config: ResolvedConfig;
  readonly now: () => number;
  readonly frankingKey: ServerFrankingKey;
  readonly stampFrank: ReturnType<typeof frankStamper>;
  readonly hub: PushHub;
  readonly metrics: ServerMetrics;
  readonly safety: SafetyConfig;
  /** Staff directory, evidence vault and files, franking keyring, NCMEC filer (moderation). */
  readonly moderation: ModerationDeps;
}

/** Every service, bound to one scope (one write transaction, or the database for reads). */
export interface Services {
  readonly accounts: AccountService;
  readonly delivery: DeliveryService;
  readonly safety: SafetyService;
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
  safety: (scope, deps) => new SafetyService(scope, deps),
  moderation: (scope, deps) => new ModerationService(scope, deps),
};

/**
 * The services of one scope, each made on first use (a message send builds only delivery's).
 * Services reach each other through the set, so a write that spans domains (signup writes the
 * safety profile) stays in one transaction.
 */
export function bindServices(scope: Scope, deps: ServiceDeps, overrides: ServiceOverrides = {}): Services {
  const made = new Map<ServiceName, unknown>();
  const services = {} as Services;
  for (const name of Object.keys(FACTORIES) as ServiceName[]) {
    Object.defineProperty(services, name, {
      enumerable: true,
      get() {
        let service = made.get(name);
        if (service === undefined) {
          const built = FACTORIES[name](scope, deps, services);
          const override = overrides[name] as ((s: unknown, scope: Scope) => unknown) | undefined;
          service = override ? override(built, scope) : built;
          made.set(name, service);
        }
        return service;
      },
    });
  }
  return services;
}
