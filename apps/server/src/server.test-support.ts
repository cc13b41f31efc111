/**
 * Test support: a real client over loopback sockets (global fetch, `ws`), real Ed25519 device
 * keys (@noble/curves) and real MLS messages from ts-mls 2.0.0-rc.10. Excluded from the build.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { createFrankingTag } from '@safelight/franking';
import pg from 'pg';
import {
  type CiphersuiteImpl,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCredentialTypes,
  defaultProposalTypes,
  encode,
  generateKeyPackageWithKey,
  getCiphersuiteImpl,
  type KeyPackage,
  type MlsContext,
  mlsMessageDecoder,
  mlsMessageEncoder,
  type PrivateKeyPackage,
  protocolVersions,
  unsafeTestingAuthenticationService,
  wireformats,
} from 'ts-mls';
import { WebSocket } from 'ws';
import { testDatabaseUrl } from '../../../tests/support/postgres.js';
import { authMessage, deviceIdOf } from './auth.js';
import type { ServerConfig, StorageConfig } from './config.js';
import { toB64u } from './encoding.js';
import { type ServerOverrides, startServer } from './server.js';

// The server's own encoder (encoding.ts); decoding stays lenient here, for reading answers.
export const b64u = toB64u;
export const unb64u = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

let suite: CiphersuiteImpl | undefined;
export async function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= await getCiphersuiteImpl('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
  return suite;
}
export async function mlsContext(): Promise<MlsContext> {
  return { cipherSuite: await cipherSuite(), authService: unsafeTestingAuthenticationService };
}

/** Where a test server keeps its data: a temp folder, plus a fresh PostgreSQL schema if asked. */
export interface TestStorage {
  name: string;
  make(): Promise<{ storage: StorageConfig; dataDir: string; cleanup(): Promise<void> }>;
}

export const sqliteStorage: TestStorage = {
  name: 'sqlite',
  async make() {
    const dataDir = await mkdtemp(join(tmpdir(), 'safelight-server-'));
    return {
      storage: { kind: 'sqlite', dataDir },
      dataDir,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
};

export const postgresStorage: TestStorage = {
  name: 'postgres',
  async make() {
    const dataDir = await mkdtemp(join(tmpdir(), 'safelight-server-pg-'));
    const schema = `test_server_${process.pid}_${randomBytes(4).toString('hex')}`;
    return {
      storage: { kind: 'postgres', url: testDatabaseUrl, schema },
      dataDir,
      async cleanup() {
        const client = new pg.Client({ connectionString: testDatabaseUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await client.end();
        }
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** Starts a server on 127.0.0.1, port 0, with captured log lines. */
export async function startTestServer(
  storage: { storage: StorageConfig; dataDir: string },
  extra: Partial<ServerConfig> = {},
  overrides: ServerOverrides = {},
) {
  const logs: string[] = [];
  const server = await startServer(
    {
      host: '127.0.0.1',
      port: 0,
      storage: storage.storage,
      dataDir: storage.dataDir,
      logger: { level: 'info', stream: { write: (line: string) => logs.push(line) } },
      ...extra,
    },
    overrides,
  );
  return { server, url: server.url!, logs };
}

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on the JSON field by field.
  body: any;
}

export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

/** One device: its Ed25519 key (also its MLS signature key), its session and its MLS state. */
export class TestDevice {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly deviceId: string;
  token = '';
  accountId = '';
  /** Private halves of the key packages uploaded, by their encoded public bytes (b64u). */
  readonly keyPackages = new Map<string, { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }>();
  state: ClientState | undefined;

  constructor(
    readonly url: string,
    readonly handle: string,
  ) {
    const keys = ed25519.keygen();
    this.secretKey = keys.secretKey;
    this.publicKey = keys.publicKey;
    this.deviceId = deviceIdOf(this.publicKey);
  }

  sign(purpose: 'register' | 'login', challenge: string): string {
    return b64u(ed25519.sign(authMessage(purpose, challenge), this.secretKey));
  }

  async challenge(): Promise<string> {
    const reply = await call(this.url, 'POST', '/v1/auth/challenge');
    if (reply.status !== 200) throw new Error(`challenge: ${reply.status}`);
    return reply.body.challenge;
  }

  async register(extra: { dateOfBirth?: string } = {}): Promise<Reply> {
    const challenge = await this.challenge();
    const reply = await call(this.url, 'POST', '/v1/accounts', {
      handle: this.handle,
      publicKey: b64u(this.publicKey),
      challenge,
      signature: this.sign('register', challenge),
      ...extra,
    });
    if (reply.status === 201) {
      this.token = reply.body.token;
      this.accountId = reply.body.accountId;
    }
    return reply;
  }

  /** Registers this device as another device of `owner`'s account. */
  async addTo(owner: TestDevice): Promise<Reply> {
    const challenge = await this.challenge();
    const reply = await call(
      this.url,
      'POST',
      '/v1/devices',
      { publicKey: b64u(this.publicKey), challenge, signature: this.sign('register', challenge) },
      owner.token,
    );
    if (reply.status === 201) {
      this.token = reply.body.token;
      this.accountId = reply.body.accountId;
    }
    return reply;
  }

  async login(): Promise<Reply> {
    const challenge = await this.challenge();
    const reply = await call(this.url, 'POST', '/v1/auth/login', {
      deviceId: this.deviceId,
      challenge,
      signature: this.sign('login', challenge),
    });
    if (reply.status === 200) this.token = reply.body.token;
    return reply;
  }

  async makeKeyPackage(): Promise<string> {
    const generated = await generateKeyPackageWithKey({
      credential: {
        credentialType: defaultCredentialTypes.basic,
        identity: new TextEncoder().encode(this.deviceId),
      },
      signatureKeyPair: { signKey: this.secretKey, publicKey: this.publicKey },
      cipherSuite: await cipherSuite(),
    });
    const bytes = encode(mlsMessageEncoder, {
      wireformat: wireformats.mls_key_package,
      version: protocolVersions.mls10,
      keyPackage: generated.publicPackage,
    });
    const text = b64u(bytes);
    this.keyPackages.set(text, generated);
    return text;
  }

  async uploadKeyPackages(n: number): Promise<Reply> {
    const keyPackages: string[] = [];
    for (let i = 0; i < n; i++) keyPackages.push(await this.makeKeyPackage());
    return call(this.url, 'POST', '/v1/key-packages', { keyPackages }, this.token);
  }

  /** Creates the MLS group locally and on the server. */
  async createGroup(name = randomBytes(16)): Promise<{ groupId: string; reply: Reply }> {
    const kp = await generateKeyPackageWithKey({
      credential: {
        credentialType: defaultCredentialTypes.basic,
        identity: new TextEncoder().encode(this.deviceId),
      },
      signatureKeyPair: { signKey: this.secretKey, publicKey: this.publicKey },
      cipherSuite: await cipherSuite(),
    });
    this.state = await createGroup({
      context: await mlsContext(),
      groupId: name,
      keyPackage: kp.publicPackage,
      privateKeyPackage: kp.privatePackage,
    });
    const groupId = b64u(name);
    const reply = await call(this.url, 'POST', '/v1/groups', { groupId }, this.token);
    return { groupId, reply };
  }

  /** Makes (but does not send) a commit adding the given claimed key packages. */
  async makeAddCommit(claimed: Array<{ deviceId: string; keyPackage: string }>) {
    const proposals = claimed.map((c) => {
      const decoded = mlsMessageDecoder(unb64u(c.keyPackage), 0);
      if (!decoded || decoded[0].wireformat !== wireformats.mls_key_package)
        throw new Error('not a key package');
      return { proposalType: defaultProposalTypes.add, add: { keyPackage: decoded[0].keyPackage } };
    });
    const result = await createCommit({
      context: await mlsContext(),
      state: this.state!,
      extraProposals: proposals,
    });
    return {
      commit: b64u(encode(mlsMessageEncoder, result.commit)),
      welcome: result.welcome ? b64u(encode(mlsMessageEncoder, result.welcome)) : undefined,
      newState: result.newState,
    };
  }

  /** Makes an application message with a franking tag in its authenticated data. */
  async makeMessage(text: string, options: { aad?: Uint8Array } = {}) {
    const plaintext = new TextEncoder().encode(text);
    const franking = createFrankingTag({ plaintext, attachments: [] });
    const result = await createApplicationMessage({
      context: await mlsContext(),
      state: this.state!,
      message: plaintext,
      authenticatedData: options.aad ?? franking.tag,
    });
    this.state = result.newState;
    return { message: b64u(encode(mlsMessageEncoder, result.message)), plaintext, ...franking };
  }

  post(method: string, path: string, body?: unknown): Promise<Reply> {
    return call(this.url, method, path, body, this.token);
  }

  openSocket(): Promise<TestSocket> {
    return TestSocket.open(`${this.url.replace('http', 'ws')}/v1/ws?token=${this.token}`);
  }
}

/** A WebSocket client that collects frames and lets a test wait for them. */
export class TestSocket {
  // biome-ignore lint/suspicious/noExplicitAny: frames are asserted field by field.
  readonly frames: any[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(url: string): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`unexpected response ${res.statusCode}`)),
      );
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  // biome-ignore lint/suspicious/noExplicitAny: items are asserted field by field.
  items(): any[] {
    return this.frames.filter((f) => f.type === 'items').flatMap((f) => f.items);
  }

  async waitFor(predicate: (socket: TestSocket) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export function uniqueHandle(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export function messageId(): string {
  return b64u(randomBytes(16));
}
