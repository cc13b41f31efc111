/**
 * bench/delivery: what the Safelight delivery server costs, beside a bare WebSocket relay.
 *
 * (a) Server throughput and latency for 1 KB MLS application messages prepared in advance (real
 *     ciphertexts from packages/e2ee with real franking tags, so client crypto does not hide the
 *     server's cost; the server only reads MLS framing, so each lane cycles a pool of them under
 *     fresh message ids). Both servers run in their own process and are driven by this one over
 *     WebSocket with the same frames ({type:"send"} → {type:"sent"} to the sender and
 *     {type:"items"} pushed to each recipient, which acknowledges what it received):
 *       safelight  the delivery server on its embedded default: SQLite, WAL, synchronous=FULL —
 *                  a message is answered "sent" only after its group-commit transaction is on disk,
 *                  so an acknowledged message survives a crash; auth, membership, epoch, franking,
 *                  idempotency and per-device queues included.
 *       relay      bench/delivery/relay.ts: no auth, no storage, no crypto.
 *     Shapes: one-to-one (PAIRS sender→recipient lanes) and fan-out to a 100-member group (one
 *     sender, 99 recipients). For each: saturation throughput (closed loop, WINDOW messages in
 *     flight per lane, a message done when its sender has the answer and its last recipient the
 *     push; median of ROUNDS), then latency at half of that rate (open loop): p50/p99
 *     from send to the durable "sent" answer and from send to the recipient's push.
 * (b) Client MLS costs per operation at group sizes 2, 10, 100: bench/mls, run after (a) with
 *     --quick unless --no-client.
 * Results: bench/results/delivery.json and delivery.md.
 *
 * Flags: --quick, --rounds R, --seconds S (measure window), --pairs P, --window W, --no-fanout,
 * --no-client, --postgres URL (run the safelight target on PostgreSQL instead of SQLite).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerApi } from '@safelight/client';
import {
  createDeviceIdentity,
  E2eeDevice,
  MemoryStateStore,
  signAuthChallenge,
  toBase64Url,
} from '@safelight/e2ee';
import { createFrankingTag } from '@safelight/franking';
import WebSocket from 'ws';
import { describeMachine, median } from '../machine.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const textOption = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = flag('--quick');
const ROUNDS = option('--rounds', quick ? 1 : 3);
const SECONDS = option('--seconds', quick ? 2 : 4);
const WARMUP_MS = 1000;
const PAIRS = option('--pairs', 8);
const WINDOW = option('--window', 64);
const FANOUT_MEMBERS = 100;
const POOL = 32;
const PLAINTEXT_BYTES = 1024;
const postgresUrl = textOption('--postgres');
const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Processes

async function startChild(
  script: string,
  childArgs: string[],
): Promise<{ port: number; child: ChildProcess }> {
  // BENCH_CHILD_FLAGS passes Node flags to the server processes, e.g. "--cpu-prof" to profile.
  const nodeFlags = (process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--conditions=@safelight/source', '--import', 'tsx', join(here, script), ...childArgs],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: root },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return { port, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Lanes: one sender socket and its recipients, for either target.

interface Lane {
  readonly sender: WebSocket;
  /** The send frame for message `id`, ciphertext from the pool slot. */
  frame(id: string, slot: number): string;
  readonly recipients: WebSocket[];
}

interface Target {
  readonly name: string;
  readonly lanes: Lane[];
  /** The server process, to report how busy it was. */
  readonly pid: number | undefined;
  close(): Promise<void>;
}

/** Real MLS ciphertexts of 1 KB plaintexts, each with a fresh franking tag in its authenticated data. */
async function ciphertextPool(device: E2eeDevice, groupId: Uint8Array): Promise<string[]> {
  const pool: string[] = [];
  for (let i = 0; i < POOL; i++) {
    const plaintext = new Uint8Array(PLAINTEXT_BYTES).fill(0x61 + (i % 26));
    const { tag } = createFrankingTag({ plaintext, attachments: [] });
    pool.push(toBase64Url(await device.encrypt(groupId, plaintext, tag)));
  }
  return pool;
}

interface Member {
  readonly device: E2eeDevice;
  readonly api: ServerApi;
  readonly accountId: string;
}

async function registerMember(baseUrl: string, handle: string): Promise<Member> {
  const api = new ServerApi({ baseUrl });
  const identity = createDeviceIdentity();
  const { challenge } = await api.challenge();
  const registered = await api.register({
    handle,
    publicKey: toBase64Url(identity.publicKey),
    challenge,
    signature: toBase64Url(signAuthChallenge(identity, 'register', challenge)),
  });
  api.token = registered.token;
  const device = await E2eeDevice.create({
    identity,
    accountId: registered.accountId,
    store: new MemoryStateStore(),
  });
  await api.uploadKeyPackages((await device.generateKeyPackages(1)).map(toBase64Url));
  return { device, api, accountId: registered.accountId };
}

/** A group owned by `owner` with `others` added in one commit; returns its id and a ciphertext pool. */
async function groupWith(owner: Member, others: Member[]): Promise<{ groupId: string; pool: string[] }> {
  const groupBytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const groupId = toBase64Url(groupBytes);
  await owner.device.createGroup(groupBytes);
  await owner.api.createGroup(groupId);
  const keyPackages: Uint8Array[] = [];
  for (const other of others) {
    const { keyPackages: claimed } = await owner.api.claimKeyPackages(other.accountId);
    for (const kp of claimed) keyPackages.push(Buffer.from(kp.keyPackage, 'base64url'));
  }
  const pending = await owner.device.proposeAdd(groupBytes, keyPackages);
  await owner.api.postCommit(groupId, {
    messageId: `setup_${groupId.slice(0, 12)}`,
    commit: toBase64Url(pending.commit),
    ...(pending.welcome ? { welcome: toBase64Url(pending.welcome) } : {}),
    addDevices: pending.addedDevices,
  });
  await owner.device.applyPendingCommit(pending);
  return { groupId, pool: await ciphertextPool(owner.device, groupBytes) };
}

async function safelightTarget(shape: 'pairs' | 'fanout'): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'safelight-bench-delivery-'));
  const { port, child } = await startChild(
    'server-child.ts',
    postgresUrl ? [dataDir, postgresUrl] : [dataDir],
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const tag = Math.random().toString(36).slice(2, 8);
  const lanes: Lane[] = [];
  const wsUrl = (api: ServerApi) => api.pushUrl();
  const subscribe = async (member: Member) => {
    const socket = await openSocket(wsUrl(member.api));
    socket.send(JSON.stringify({ type: 'subscribe', after: 0 }));
    return socket;
  };
  const laneFor = async (owner: Member, others: Member[]): Promise<Lane> => {
    const { groupId, pool } = await groupWith(owner, others);
    const prefixes = pool.map((ct) => [
      `{"type":"send","groupId":"${groupId}","messageId":"`,
      `","message":"${ct}"}`,
    ]);
    const sender = await subscribe(owner);
    const recipients = await Promise.all(others.map(subscribe));
    return {
      sender,
      recipients,
      frame: (id, slot) => {
        const [head, tail] = prefixes[slot % prefixes.length] as [string, string];
        return head + id + tail;
      },
    };
  };
  if (shape === 'pairs') {
    for (let i = 0; i < PAIRS; i++) {
      const a = await registerMember(baseUrl, `bench_${tag}_a${i}`);
      const b = await registerMember(baseUrl, `bench_${tag}_b${i}`);
      lanes.push(await laneFor(a, [b]));
    }
  } else {
    const members: Member[] = [];
    for (let i = 0; i < FANOUT_MEMBERS; i++)
      members.push(await registerMember(baseUrl, `bench_${tag}_m${i}`));
    lanes.push(await laneFor(members[0] as Member, members.slice(1)));
  }
  return {
    name: postgresUrl ? 'safelight (PostgreSQL)' : 'safelight (SQLite, durable)',
    lanes,
    pid: child.pid,
    async close() {
      for (const lane of lanes) for (const s of [lane.sender, ...lane.recipients]) s.terminate();
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function relayTarget(shape: 'pairs' | 'fanout'): Promise<Target> {
  const { port, child } = await startChild('relay.ts', []);
  const url = (id: string) => `ws://127.0.0.1:${port}/?id=${id}`;
  const payload = Buffer.alloc(PLAINTEXT_BYTES + 120, 7).toString('base64url'); // ~ an MLS ciphertext
  const lanes: Lane[] = [];
  const count = shape === 'pairs' ? PAIRS : 1;
  const fan = shape === 'pairs' ? 1 : FANOUT_MEMBERS - 1;
  for (let i = 0; i < count; i++) {
    const ids = Array.from({ length: fan }, (_, r) => `l${i}r${r}`);
    const to = JSON.stringify(fan === 1 ? ids[0] : ids);
    const sender = await openSocket(url(`l${i}s`));
    const recipients = await Promise.all(ids.map((id) => openSocket(url(id))));
    const head = `{"type":"send","to":${to},"messageId":"`;
    const tail = `","message":"${payload}"}`;
    lanes.push({ sender, recipients, frame: (id) => head + id + tail });
  }
  return {
    name: 'bare WebSocket relay',
    lanes,
    pid: child.pid,
    async close() {
      for (const lane of lanes) for (const s of [lane.sender, ...lane.recipients]) s.terminate();
      await stopChild(child);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Load

interface RunResult {
  /** CPU time over wall time in the measured window, in cores: the server's and this process's. */
  serverCores: number;
  driverCores: number;
  sent: number;
  acked: number;
  delivered: number;
  errors: number;
  seconds: number;
  ackLatencies: number[];
  deliveryLatencies: number[];
}

/**
 * Drives every lane for warmup + SECONDS. `rate` undefined: closed loop with WINDOW in flight per
 * lane (saturation). Otherwise open loop at `rate` messages/s in total, spread over the lanes.
 */
async function drive(target: Target, round: string, rate?: number): Promise<RunResult> {
  const sentAt = new Map<string, number>();
  const result: RunResult = {
    serverCores: 0,
    driverCores: 0,
    sent: 0,
    acked: 0,
    delivered: 0,
    errors: 0,
    seconds: SECONDS,
    ackLatencies: [],
    deliveryLatencies: [],
  };
  const start = performance.now();
  const measureFrom = start + WARMUP_MS;
  const measureTo = measureFrom + SECONDS * 1000;
  let stopping = false;
  let firstError: string | undefined;
  const counters = target.lanes.map(() => 0);
  const sendOne = (laneIndex: number) => {
    const lane = target.lanes[laneIndex] as Lane;
    const n = counters[laneIndex] ?? 0;
    counters[laneIndex] = n + 1;
    const id = `m_${round}_${laneIndex}_${n}`;
    const now = performance.now();
    sentAt.set(id, now);
    if (now >= measureFrom && now < measureTo) result.sent++;
    lane.sender.send(lane.frame(id, n));
  };
  // Closed loop: a message is complete when the sender has its "sent" answer (bit 1) AND the
  // last recipient has it (bit 2); only then does its window slot send the next one. Without the
  // second condition a relay that answers before it forwards would look infinitely fast at fan-out.
  const progress = new Map<string, number>();
  const complete = (laneIndex: number, id: string, bit: number) => {
    const state = (progress.get(id) ?? 0) | bit;
    if (state !== 3) {
      progress.set(id, state);
      return;
    }
    progress.delete(id);
    if (rate === undefined && !stopping) sendOne(laneIndex);
  };
  const listeners: Array<() => void> = [];
  target.lanes.forEach((lane, laneIndex) => {
    const onSender = (data: WebSocket.RawData) => {
      const text = String(data);
      if (!text.startsWith('{"type":"sent"') && !text.startsWith('{"type":"send-error"')) return;
      const now = performance.now();
      const id = /"messageId":"([^"]+)"/.exec(text)?.[1] ?? '';
      const at = sentAt.get(id);
      if (text.startsWith('{"type":"send-error"')) {
        result.errors++;
        firstError ??= text;
        complete(laneIndex, id, 2);
      } else {
        if (at !== undefined && at >= measureFrom && at < measureTo) {
          result.acked++;
          result.ackLatencies.push(now - at);
        }
        complete(laneIndex, id, 1);
      }
    };
    lane.sender.on('message', onSender);
    listeners.push(() => lane.sender.off('message', onSender));
    lane.recipients.forEach((recipient, r) => {
      // Latency is timed at the last recipient (pushes go out in member order, so it is the
      // slowest) — one per lane keeps this process off the critical path.
      const timed = r === lane.recipients.length - 1;
      let ackUpTo = 0;
      let ackScheduled = false;
      const onRecipient = (data: WebSocket.RawData) => {
        const text = String(data);
        if (!text.startsWith('{"type":"items"')) return;
        const now = performance.now();
        let maxSeq = 0;
        for (const match of text.matchAll(/"seq":(\d+)/g)) maxSeq = Math.max(maxSeq, Number(match[1]));
        for (const match of text.matchAll(/"messageId":"([^"]+)"/g)) {
          const id = match[1] as string;
          const at = sentAt.get(id);
          if (timed) complete(laneIndex, id, 2);
          if (at === undefined || at < measureFrom || at >= measureTo) continue;
          result.delivered++;
          if (timed) result.deliveryLatencies.push(now - at);
        }
        // Acknowledge like a real client: what it has processed, at most every 50 ms.
        ackUpTo = Math.max(ackUpTo, maxSeq);
        if (!ackScheduled) {
          ackScheduled = true;
          setTimeout(() => {
            ackScheduled = false;
            if (recipient.readyState === WebSocket.OPEN) recipient.send(`{"type":"ack","upTo":${ackUpTo}}`);
          }, 50);
        }
      };
      recipient.on('message', onRecipient);
      listeners.push(() => recipient.off('message', onRecipient));
    });
  });

  void sleep(measureFrom - performance.now()).then(() => {
    if (process.env.BENCH_ELU && target.pid && target.name.startsWith('safelight'))
      process.kill(target.pid, 'SIGUSR2');
    const server = cpuSeconds(target.pid);
    const driver = process.cpuUsage();
    void sleep(measureTo - performance.now()).then(() => {
      result.serverCores = (cpuSeconds(target.pid) - server) / SECONDS;
      if (process.env.BENCH_ELU && target.pid && target.name.startsWith('safelight'))
        process.kill(target.pid, 'SIGUSR2');
      const used = process.cpuUsage(driver);
      result.driverCores = (used.user + used.system) / 1e6 / SECONDS;
    });
  });
  if (rate === undefined) {
    target.lanes.forEach((_, i) => {
      for (let w = 0; w < WINDOW; w++) sendOne(i);
    });
    await sleep(measureTo - performance.now());
  } else {
    let due = 0;
    let next = 0;
    while (performance.now() < measureTo) {
      const elapsed = (performance.now() - start) / 1000;
      const target_ = Math.floor(elapsed * rate);
      while (due < target_) {
        sendOne(next);
        next = (next + 1) % target.lanes.length;
        due++;
      }
      await sleep(1);
    }
  }
  stopping = true;
  await sleep(1500); // let in-flight answers and pushes from the window arrive
  for (const off of listeners) off();
  if (firstError) console.error(`  first error: ${firstError.slice(0, 200)}`);
  return result;
}

/** User + system CPU seconds of a process (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface ShapeResult {
  target: string;
  shape: 'one-to-one' | `fan-out ${number}`;
  saturationMsgPerSec: number;
  saturationRuns: number[];
  deliveriesPerSec: number;
  halfRate: number;
  ackP50: number;
  ackP99: number;
  deliveryP50: number;
  deliveryP99: number;
  errors: number;
  /** At saturation: server and driver CPU, in cores. */
  serverCores: number;
  driverCores: number;
}

async function measure(make: () => Promise<Target>, shape: 'pairs' | 'fanout'): Promise<ShapeResult> {
  const target = await make();
  try {
    const saturation: RunResult[] = [];
    for (let r = 0; r < ROUNDS; r++) saturation.push(await drive(target, `s${r}`));
    const rates = saturation.map((s) => s.acked / s.seconds);
    const sat = median(rates);
    const halfRate = Math.max(1, Math.round(sat / 2));
    const half: RunResult[] = [];
    for (let r = 0; r < ROUNDS; r++) half.push(await drive(target, `h${r}`, halfRate));
    const result: ShapeResult = {
      target: target.name,
      shape: shape === 'pairs' ? 'one-to-one' : `fan-out ${FANOUT_MEMBERS}`,
      saturationMsgPerSec: sat,
      saturationRuns: rates,
      deliveriesPerSec: median(saturation.map((s) => s.delivered / s.seconds)),
      halfRate,
      ackP50: median(half.map((h) => percentile(h.ackLatencies, 50))),
      ackP99: median(half.map((h) => percentile(h.ackLatencies, 99))),
      deliveryP50: median(half.map((h) => percentile(h.deliveryLatencies, 50))),
      deliveryP99: median(half.map((h) => percentile(h.deliveryLatencies, 99))),
      errors: [...saturation, ...half].reduce((sum, r) => sum + r.errors, 0),
      serverCores: median(saturation.map((s) => s.serverCores)),
      driverCores: median(saturation.map((s) => s.driverCores)),
    };
    console.log(
      `  ${result.target}, ${result.shape}: ${Math.round(sat)} msg/s (runs ${rates.map(Math.round).join(', ')}), ` +
        `${Math.round(result.deliveriesPerSec)} deliveries/s; at ${halfRate} msg/s: sent p50/p99 ` +
        `${result.ackP50.toFixed(1)}/${result.ackP99.toFixed(1)} ms, delivered p50/p99 ` +
        `${result.deliveryP50.toFixed(1)}/${result.deliveryP99.toFixed(1)} ms; CPU at saturation: server ` +
        `${result.serverCores.toFixed(2)} cores, driver ${result.driverCores.toFixed(2)}` +
        (result.errors ? `, ${result.errors} errors` : ''),
    );
    return result;
  } finally {
    await target.close();
  }
}

// ---------------------------------------------------------------------------------------------

const machine = describeMachine();
console.log(`bench/delivery on ${machine}`);
console.log(
  `1 KB MLS application messages over WebSocket; ${PAIRS} one-to-one lanes x ${WINDOW} in flight; ` +
    `${ROUNDS} round(s) of ${SECONDS} s after ${WARMUP_MS} ms warm-up\n`,
);
const results: ShapeResult[] = [];
const shapes: Array<'pairs' | 'fanout'> = flag('--no-fanout') ? ['pairs'] : ['pairs', 'fanout'];
for (const shape of shapes) {
  results.push(await measure(() => relayTarget(shape), shape));
  results.push(await measure(() => safelightTarget(shape), shape));
}

const rows = results.map((r) => {
  const peer = results.find((p) => p.shape === r.shape && p.target === 'bare WebSocket relay');
  const ratio = peer ? peer.saturationMsgPerSec / r.saturationMsgPerSec : Number.NaN;
  return `| ${r.target} | ${r.shape} | ${Math.round(r.saturationMsgPerSec)} | ${Math.round(r.deliveriesPerSec)} | ${ratio.toFixed(2)}x | ${r.halfRate} | ${r.ackP50.toFixed(1)} / ${r.ackP99.toFixed(1)} | ${r.deliveryP50.toFixed(1)} / ${r.deliveryP99.toFixed(1)} |`;
});
const table = [
  '| target | shape | msg/s at saturation (median) | deliveries/s | relay / this | half rate (msg/s) | sent p50 / p99 ms | delivered p50 / p99 ms |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
  ...rows,
].join('\n');
console.log(`\n${table}\n`);
const oneToOne = results.find((r) => r.shape === 'one-to-one' && r.target.startsWith('safelight'));
if (oneToOne) {
  const relay = results.find((r) => r.shape === 'one-to-one' && r.target === 'bare WebSocket relay');
  const within = relay ? relay.saturationMsgPerSec / oneToOne.saturationMsgPerSec : Number.NaN;
  console.log(
    `targets (one-to-one, durable): >= 10,000 msg/s: ${Math.round(oneToOne.saturationMsgPerSec)} ${oneToOne.saturationMsgPerSec >= 10_000 ? 'MET' : 'NOT MET'}; ` +
      `p99 < 50 ms at half saturation: ${oneToOne.ackP99.toFixed(1)} ms sent, ${oneToOne.deliveryP99.toFixed(1)} ms delivered ${Math.max(oneToOne.ackP99, oneToOne.deliveryP99) < 50 ? 'MET' : 'NOT MET'}; ` +
      `within 6x of the relay: ${within.toFixed(2)}x ${within <= 6 ? 'MET' : 'NOT MET'}`,
  );
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/delivery.json'), JSON.stringify({ machine, results }, null, 2));
writeFileSync(join(root, 'bench/results/delivery.md'), `# bench/delivery\n\n${machine}\n\n${table}\n`);

if (!flag('--no-client')) {
  console.log('\n(b) client MLS costs per operation: bench/mls --quick\n');
  spawnSync(
    process.execPath,
    ['--conditions=@safelight/source', '--import', 'tsx', join(here, '../mls/index.ts'), '--quick'],
    { stdio: 'inherit', cwd: root },
  );
}
