/**
 * bench/mls: client-side MLS costs per operation, ts-mls 2.0.0-rc.10 (what packages/e2ee uses)
 * against 1.6.4 (npm alias ts-mls-1), cipher suite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
 *
 * For group sizes 2, 10 and 100 one group is built once per version (the creator adds everyone in
 * one commit, member 1 joins), then, as medians over several runs of library calls on in-memory
 * states (no wire encoding, no storage):
 *   encrypt         creator: createApplicationMessage (100 bytes)
 *   decrypt         member: processMessage of the creator's next message
 *   commit add      creator: createCommit adding one new member (with welcome + ratchet tree)
 *   commit update   creator: createCommit with no proposals (path update)
 *   process commit  member: processMessage of the creator's update commit
 *   join            new member: joinGroup from a welcome carrying the ratchet tree
 * Commits are made from the same base state each run (states are immutable values). Both versions
 * are warmed up first and interleaved per size (2-core CI machines are noisy: compare ratios).
 * Results: bench/results/mls.json and mls.md. `--quick` runs fewer rounds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v2 from 'ts-mls';
import * as v1 from 'ts-mls-1';
import { describeMachine, median } from '../machine.js';

const quick = process.argv.includes('--quick');
const SIZES = [2, 10, 100];
const MESSAGE_ROUNDS = quick ? 20 : 200;
const COMMIT_ROUNDS = quick ? 5 : 25;
const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
const root = fileURLToPath(new URL('../..', import.meta.url));

type Opaque = unknown;
interface KeyPackagePair {
  publicPackage: Opaque;
  privatePackage: Opaque;
}
/** The operations measured, over one ts-mls version; states and messages are opaque. */
interface Adapter {
  readonly version: string;
  keyPackage(name: string): Promise<KeyPackagePair>;
  createGroup(id: Uint8Array, kp: KeyPackagePair): Promise<Opaque>;
  commit(
    state: Opaque,
    add: KeyPackagePair[],
  ): Promise<{ newState: Opaque; commit: Opaque; welcome: Opaque }>;
  join(welcome: Opaque, kp: KeyPackagePair): Promise<Opaque>;
  encrypt(state: Opaque, message: Uint8Array): Promise<{ newState: Opaque; message: Opaque }>;
  process(state: Opaque, message: Opaque): Promise<Opaque>;
}

async function adapterV2(): Promise<Adapter> {
  const cipherSuite = await v2.getCiphersuiteImpl(SUITE);
  const context: v2.MlsContext = { cipherSuite, authService: v2.unsafeTestingAuthenticationService };
  return {
    version: '2.0.0-rc.10',
    keyPackage: (name) =>
      v2.generateKeyPackage({
        credential: {
          credentialType: v2.defaultCredentialTypes.basic,
          identity: new TextEncoder().encode(name),
        },
        cipherSuite,
      }),
    createGroup: (groupId, kp) =>
      v2.createGroup({
        context,
        groupId,
        keyPackage: kp.publicPackage as v2.KeyPackage,
        privateKeyPackage: kp.privatePackage as v2.PrivateKeyPackage,
      }),
    async commit(state, add) {
      const r = await v2.createCommit({
        context,
        state: state as v2.ClientState,
        ratchetTreeExtension: true,
        extraProposals: add.map((kp) => ({
          proposalType: v2.defaultProposalTypes.add,
          add: { keyPackage: kp.publicPackage as v2.KeyPackage },
        })),
      });
      return { newState: r.newState, commit: r.commit, welcome: r.welcome?.welcome };
    },
    join: (welcome, kp) =>
      v2.joinGroup({
        context,
        welcome: welcome as v2.Welcome,
        keyPackage: kp.publicPackage as v2.KeyPackage,
        privateKeys: kp.privatePackage as v2.PrivateKeyPackage,
      }),
    async encrypt(state, message) {
      const r = await v2.createApplicationMessage({ context, state: state as v2.ClientState, message });
      return { newState: r.newState, message: r.message };
    },
    async process(state, message) {
      const r = await v2.processMessage({
        context,
        state: state as v2.ClientState,
        message: message as v2.MlsFramedMessage,
      });
      return r.newState;
    },
  };
}

async function adapterV1(): Promise<Adapter> {
  const cipherSuite = await v1.getCiphersuiteImpl(v1.getCiphersuiteFromName(SUITE));
  return {
    version: '1.6.4',
    keyPackage: (name) =>
      v1.generateKeyPackage(
        { credentialType: 'basic', identity: new TextEncoder().encode(name) },
        v1.defaultCapabilities(),
        v1.defaultLifetime,
        [],
        cipherSuite,
      ),
    createGroup: (groupId, kp) =>
      v1.createGroup(
        groupId,
        kp.publicPackage as v1.KeyPackage,
        kp.privatePackage as v1.PrivateKeyPackage,
        [],
        cipherSuite,
      ),
    async commit(state, add) {
      const r = await v1.createCommit(
        { state: state as v1.ClientState, cipherSuite },
        {
          ratchetTreeExtension: true,
          extraProposals: add.map((kp) => ({
            proposalType: 'add',
            add: { keyPackage: kp.publicPackage as v1.KeyPackage },
          })),
        },
      );
      return { newState: r.newState, commit: r.commit, welcome: r.welcome };
    },
    join: (welcome, kp) =>
      v1.joinGroup(
        welcome as v1.Welcome,
        kp.publicPackage as v1.KeyPackage,
        kp.privatePackage as v1.PrivateKeyPackage,
        v1.emptyPskIndex,
        cipherSuite,
      ),
    async encrypt(state, message) {
      const r = await v1.createApplicationMessage(state as v1.ClientState, message, cipherSuite);
      return {
        newState: r.newState,
        message: { wireformat: 'mls_private_message', privateMessage: r.privateMessage },
      };
    },
    async process(state, message) {
      const r = await v1.processMessage(
        message as v1.MlsPrivateMessage,
        state as v1.ClientState,
        v1.emptyPskIndex,
        v1.acceptAll,
        cipherSuite,
      );
      return r.newState;
    },
  };
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const OPS = ['encrypt', 'decrypt', 'commit add', 'commit update', 'process commit', 'join'] as const;
type Op = (typeof OPS)[number];

async function measure(lib: Adapter, size: number): Promise<Record<Op, number> & { setupMs: number }> {
  const setupStart = process.hrtime.bigint();
  const creatorKp = await lib.keyPackage('member-0');
  let creator = await lib.createGroup(new TextEncoder().encode(`bench-${size}`), creatorKp);
  const memberKps: KeyPackagePair[] = [];
  for (let i = 1; i < size; i++) memberKps.push(await lib.keyPackage(`member-${i}`));
  const setup = await lib.commit(creator, memberKps);
  creator = setup.newState;
  let member = await lib.join(setup.welcome, memberKps[0] as KeyPackagePair);
  const setupMs = Number(process.hrtime.bigint() - setupStart) / 1e6;

  const payload = new Uint8Array(100).fill(42);
  const enc: number[] = [];
  const dec: number[] = [];
  for (let i = 0; i < MESSAGE_ROUNDS; i++) {
    let sent: { newState: Opaque; message: Opaque } | undefined;
    enc.push(
      await timeMs(async () => {
        sent = await lib.encrypt(creator, payload);
      }),
    );
    creator = (sent as { newState: Opaque }).newState;
    dec.push(
      await timeMs(async () => {
        member = await lib.process(member, (sent as { message: Opaque }).message);
      }),
    );
  }
  const newcomer = await lib.keyPackage('newcomer');
  const add: number[] = [];
  let welcome: Opaque;
  for (let i = 0; i < COMMIT_ROUNDS; i++) {
    add.push(
      await timeMs(async () => {
        welcome = (await lib.commit(creator, [newcomer])).welcome;
      }),
    );
  }
  const update: number[] = [];
  let updateCommit: Opaque;
  for (let i = 0; i < COMMIT_ROUNDS; i++) {
    update.push(
      await timeMs(async () => {
        updateCommit = (await lib.commit(creator, [])).commit;
      }),
    );
  }
  const processCommit: number[] = [];
  for (let i = 0; i < COMMIT_ROUNDS; i++)
    processCommit.push(await timeMs(() => lib.process(member, updateCommit)));
  const join: number[] = [];
  for (let i = 0; i < COMMIT_ROUNDS; i++) join.push(await timeMs(() => lib.join(welcome, newcomer)));
  return {
    setupMs,
    encrypt: median(enc),
    decrypt: median(dec),
    'commit add': median(add),
    'commit update': median(update),
    'process commit': median(processCommit),
    join: median(join),
  };
}

async function main() {
  const machine = describeMachine();
  console.log(`bench/mls on ${machine}${quick ? ' (quick)' : ''}`);
  const libs = [await adapterV2(), await adapterV1()];
  const results: Record<string, Record<number, Awaited<ReturnType<typeof measure>>>> = {};
  // Warm the JIT on both versions first (shared noble code would otherwise favour whichever runs
  // second), then interleave the versions per size, alternating which goes first.
  for (const lib of libs) await measure(lib, 2);
  for (const [i, size] of SIZES.entries()) {
    for (const lib of i % 2 === 0 ? libs : [...libs].reverse()) {
      const r = await measure(lib, size);
      results[lib.version] ??= {};
      (results[lib.version] as Record<number, typeof r>)[size] = r;
      console.log(`  ts-mls ${lib.version}, ${size} members: set up in ${(r.setupMs / 1000).toFixed(1)} s`);
    }
  }
  const [newer, older] = libs.map((l) => results[l.version] as Record<number, Record<Op, number>>) as [
    Record<number, Record<Op, number>>,
    Record<number, Record<Op, number>>,
  ];
  const lines = [
    `Median ms per operation (${MESSAGE_ROUNDS} message rounds, ${COMMIT_ROUNDS} commit/join rounds). ${machine}`,
    '',
    '| operation | members | ts-mls 2.0.0-rc.10 | ts-mls 1.6.4 | 1.6.4 / 2.0 |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const op of OPS) {
    for (const size of SIZES) {
      const a = newer[size]?.[op] as number;
      const b = older[size]?.[op] as number;
      lines.push(`| ${op} | ${size} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`);
    }
  }
  const table = lines.join('\n');
  console.log(`\n${table}`);
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(`${root}bench/results/mls.json`, `${JSON.stringify({ machine, quick, results }, null, 2)}\n`);
  writeFileSync(`${root}bench/results/mls.md`, `${table}\n`);
}

await main();
