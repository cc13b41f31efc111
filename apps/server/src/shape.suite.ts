import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TestDevice, type TestStorage, uniqueHandle } from './server.test-support.js';
import type { AccountService } from './services/accounts.js';
import type { SafetyService } from './services/safety/policy.js';

/**
 * The server's shape holds its promises (docs/server.md): a write is one transaction across
 * services, and only what the API contract lists leaves the server. Run on every storage backend
 * (shape.sqlite.test.ts, shape.postgres.test.ts).
 */
export function describeShape(backend: TestStorage, options: { skip?: string | false } = {}): void {
  describe(`server shape on ${backend.name}`, { skip: options.skip ?? false }, () => {
    let data: Awaited<ReturnType<TestStorage['make']>>;
    let running: Awaited<ReturnType<typeof startTestServer>>;
    let failProfiles = false;

    before(async () => {
      data = await backend.make();
      running = await startTestServer(
        data,
        {},
        {
          services: {
            // A profile write that fails after the account and device rows were written.
            safety: (service) =>
              failProfiles
                ? Object.assign(Object.create(service) as SafetyService, {
                    createProfile: async () => {
                      throw new Error('the disk is full (test)');
                    },
                  })
                : service,
            // A service result that carries more than the contract lists.
            accounts: (service) =>
              Object.assign(Object.create(service) as AccountService, {
                accountByHandle: async (handle: string) => ({
                  ...(await service.accountByHandle(handle)),
                  internalNote: 'must never leave the server',
                }),
              }),
          },
        },
      );
    });
    after(async () => {
      await running?.server.close();
      await data?.cleanup();
    });

    it('a signup whose safety profile cannot be written leaves no account, device or session', async () => {
      const teen = new TestDevice(running.url, uniqueHandle('teen'));
      failProfiles = true;
      let reply: Awaited<ReturnType<TestDevice['register']>>;
      try {
        reply = await teen.register({ dateOfBirth: '2011-03-04' });
      } finally {
        failProfiles = false;
      }
      assert.equal(reply.status, 500, JSON.stringify(reply.body));
      assert.equal(reply.body.code, 'STORAGE_FAILED');
      const repository = running.server.repository;
      assert.equal(await repository.accountByHandle(teen.handle), undefined);
      assert.equal(await repository.device(teen.deviceId), undefined);
      // Nothing half-applied blocks a retry: the same handle and key sign up cleanly, profile included.
      const retry = await teen.register({ dateOfBirth: '2011-03-04' });
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      const me = await fetch(`${running.url}/v1/safety/me`, {
        headers: { authorization: `Bearer ${teen.token}` },
      });
      const self = (await me.json()) as { declared: boolean; band: string };
      assert.equal(self.declared, true);
      assert.equal(self.band, 'teen13to15');
    });

    it('drops a field a service adds unless the response schema lists it', async () => {
      const alice = new TestDevice(running.url, uniqueHandle('alice'));
      assert.equal((await alice.register()).status, 201);
      const reply = await fetch(`${running.url}/v1/accounts/by-handle/${alice.handle}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      assert.equal(reply.status, 200);
      const body = (await reply.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['accountId', 'devices', 'handle']);
      assert.equal(body.internalNote, undefined);
      assert.equal(body.createdAt, undefined, 'AccountRow.createdAt is not in the contract either');
    });

    it('answers errors as RFC 9457 problem details with a stable code', async () => {
      const reply = await fetch(`${running.url}/v1/accounts/by-handle/nobody_here`, {
        headers: { authorization: 'Bearer not-a-token' },
      });
      assert.equal(reply.status, 401);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await reply.json()) as Record<string, unknown>;
      assert.equal(body.type, 'urn:safelight:problem:unauthenticated');
      assert.equal(body.status, 401);
      assert.equal(body.code, 'UNAUTHENTICATED');
      assert.equal(typeof body.title, 'string');
      assert.equal(typeof body.detail, 'string');
    });

    it('documents a response schema for every operation in GET /openapi.json', async () => {
      const doc = (await (await fetch(`${running.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { responses?: Record<string, { content?: unknown }> }>>;
      };
      const missing: string[] = [];
      let operations = 0;
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          operations++;
          const success = Object.entries(operation.responses ?? {}).filter(([status]) =>
            /^[123]\d\d$/.test(status),
          );
          const errors = Object.keys(operation.responses ?? {}).filter((s) => /^[45]/.test(s));
          if (success.length === 0 || errors.length === 0) missing.push(`${method.toUpperCase()} ${path}`);
        }
      }
      assert.ok(operations > 40, `only ${operations} operations documented`);
      assert.deepEqual(missing, [], 'operations without a success and an error response schema');
    });
  });
}
