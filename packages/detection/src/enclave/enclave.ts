// enclave: an isolated matcher process holds an X25519 HPKE key pair; its public key comes with an
// attestation document (measurement = SHA-256 of the matcher's code and configuration, signed by
// the platform). The client checks the attestation against allowed measurements and HPKE-seals
// its PDQ hash, quality and message context to the matcher; only verdicts leave the matcher.
//
// Isolation: a child process (node:child_process fork), not a worker thread. A worker shares the
// server's process and address space (one heap dump or debugger attach reads both); a child
// process has its own address space, its own pid to sandbox (seccomp, namespaces, a different
// uid) and can be killed and restarted alone. It is still NOT an enclave: the same OS user and
// root can read its memory. That is exactly the gap SEV-SNP/TDX/Nitro close, and why the shipped
// attestation provider is called "software".
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PDQ_HASH_WORDS } from '@safelight/pdq';
import { type BankMatch, type MatchParameters, matchParameters } from '../bank-match.js';
import { pdqToBytes } from '../bytes.js';
import { DetectionError, type DetectionErrorCode } from '../errors.js';
import type {
  BankSnapshot,
  ClientDetector,
  DetectionContext,
  DetectionModeFactory,
  DetectionVerdict,
  ImageSignals,
  LeakageStatement,
  ServerEvaluator,
} from '../mode.js';
import { concat, encodeContext, HEADER_BYTES, payloadHeader, readHeader } from '../wire.js';
import {
  type AttestationVerifier,
  type AttestedMatcher,
  checkAttestation,
  SoftwareAttestationPlatform,
  SoftwareAttestationVerifier,
} from './attestation.js';
import {
  enclaveSuite,
  HPKE_ENC_BYTES,
  HPKE_INFO,
  HPKE_SUITE_NAME,
  type HpkePublicKey,
  KEY_ID_BYTES,
  keyIdOf,
} from './hpke.js';

const MODE = 'enclave' as const;

export const enclaveLeakage: LeakageStatement = {
  server:
    'Outside the matcher: that an image was sent (one payload per image, fixed size for a given message ' +
    'context) and, for a match, the verdict (bank entry id, distance). It never sees the hash or the ' +
    'quality of any image, matched or not. Inside the matcher every hash is in the clear: the guarantee ' +
    'is only as good as the isolation and the attestation. Here the isolation is a separate OS process ' +
    'and the attestation is SOFTWARE (an Ed25519 platform key held by the host): a host operator with ' +
    'root can read the matcher memory and the hashes. On SEV-SNP/TDX/Nitro hardware a verifier plugs in ' +
    'behind the same AttestationVerifier interface.',
  client:
    'Nothing about the bank beyond its Merkle root and size (in the attestation); it does not learn ' +
    'whether its image matched. It learns the matcher code measurement it trusts.',
  subversion:
    'A modified client can skip the payload, or seal a different hash (the server cannot check what was ' +
    'sealed against an image it cannot see). A host that holds the software platform key can attest a ' +
    'matcher that logs hashes; clients refuse it only if its measurement is not on their allowed list, ' +
    'so the list and the published matcher code must be audited. Replays of a payload for the same ' +
    'message are refused by the matcher.',
};

/** The modules that make up the matcher, relative to this directory: what the measurement covers. */
const MATCHER_MODULES = [
  'matcher-process',
  'matcher',
  'hpke',
  '../bank-match',
  '../bytes',
  '../errors',
  '../mode',
  '../snapshot',
  '../wire',
] as const;

const here = fileURLToPath(import.meta.url);
const EXT = here.endsWith('.ts') ? '.ts' : '.js';
const moduleUrl = (name: string) => new URL(`./${name}${EXT}`, import.meta.url);

/**
 * SHA-256 over the matcher's module files (name, length, bytes each) and its configuration
 * (radius, quality floor, HPKE suite). Anyone with the published code computes the same value;
 * dependencies in node_modules and Node itself are not covered by the software measurement (a
 * hardware measurement covers the whole image).
 */
export function measureMatcher(parameters: MatchParameters): string {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [encoder.encode('safelight/detection/enclave-matcher/v1\n')];
  for (const name of MATCHER_MODULES) {
    const bytes = readFileSync(moduleUrl(name));
    parts.push(encoder.encode(`${name}${EXT} ${bytes.length}\n`), bytes);
  }
  parts.push(
    encoder.encode(
      JSON.stringify({
        radius: parameters.radius,
        qualityFloor: parameters.qualityFloor,
        hpke: HPKE_SUITE_NAME,
      }),
    ),
  );
  return bytesToHex(sha256(concat(...parts)));
}

type MatcherMessage =
  | { type: 'ready'; publicKey: Uint8Array; bankRoot: string; bankTreeSize: number }
  | { type: 'failed'; code: string; message: string }
  | { type: 'result'; id: number; match?: BankMatch; error?: { code: string; message: string } };

/** The host's handle on a running matcher process. */
export class EnclaveHost {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(m: BankMatch | undefined): void; reject(e: Error): void }
  >();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly attestation: Uint8Array,
    readonly measurement: string,
  ) {
    child.on('message', (message: MatcherMessage) => {
      if (message.type !== 'result') return;
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (message.error)
        waiter.reject(new DetectionError(message.error.code as DetectionErrorCode, message.error.message));
      else waiter.resolve(message.match);
    });
    child.on('exit', () => {
      this.exited = true;
      for (const waiter of this.pending.values()) {
        waiter.reject(new DetectionError('DETECTION_ENCLAVE_UNAVAILABLE', 'the matcher process exited'));
      }
      this.pending.clear();
    });
  }

  /** Forks the matcher, loads the bank into it and has the platform attest its report. */
  static async launch(options: {
    bank: BankSnapshot;
    parameters: MatchParameters;
    platform: SoftwareAttestationPlatform;
  }): Promise<EnclaveHost> {
    const measurement = measureMatcher(options.parameters);
    const execArgv =
      EXT === '.ts' ? ['--conditions=@safelight/source', '--import', import.meta.resolve('tsx')] : [];
    const child = fork(fileURLToPath(moduleUrl('matcher-process')), [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ids = options.bank.entries.map((e) => e.id);
    const hashes = new Uint32Array(ids.length * PDQ_HASH_WORDS);
    options.bank.entries.forEach((e, i) => {
      hashes.set(e.pdq, i * PDQ_HASH_WORDS);
    });
    const ready = await new Promise<Extract<MatcherMessage, { type: 'ready' }>>((resolve, reject) => {
      const onExit = () =>
        reject(new DetectionError('DETECTION_ENCLAVE_UNAVAILABLE', 'the matcher exited at start'));
      child.once('exit', onExit);
      child.once('error', () => onExit());
      child.once('message', (message: MatcherMessage) => {
        child.off('exit', onExit);
        if (message.type === 'ready') resolve(message);
        else if (message.type === 'failed')
          reject(new DetectionError(message.code as DetectionErrorCode, message.message));
        else
          reject(
            new DetectionError('DETECTION_ENCLAVE_UNAVAILABLE', 'unexpected first message from the matcher'),
          );
      });
      child.send({ type: 'init', bank: { ids, hashes }, ...options.parameters });
    }).catch((error) => {
      child.kill();
      throw error;
    });
    const attestation = options.platform.attest({
      measurement,
      publicKey: new Uint8Array(ready.publicKey),
      bankRoot: ready.bankRoot,
      bankTreeSize: ready.bankTreeSize,
    });
    return new EnclaveHost(child, attestation, measurement);
  }

  /** Sends one payload to the matcher; the match (entry id, distance) or undefined. */
  evaluate(payload: Uint8Array, context: DetectionContext): Promise<BankMatch | undefined> {
    if (this.exited) {
      return Promise.reject(
        new DetectionError('DETECTION_ENCLAVE_UNAVAILABLE', 'the matcher process is not running'),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ type: 'evaluate', id, payload, context });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.disconnect();
    });
  }
}

/** The device side: trusts a matcher only after its attestation checks out. */
export class EnclaveClient implements ClientDetector {
  readonly mode = MODE;
  private readonly suite = enclaveSuite();

  private constructor(
    readonly attested: AttestedMatcher,
    private readonly recipientKey: HpkePublicKey,
    private readonly keyId: Uint8Array,
  ) {}

  static async fromAttestation(
    document: Uint8Array,
    options: { verifier: AttestationVerifier; allowedMeasurements: readonly string[]; bankRoot?: string },
  ): Promise<EnclaveClient> {
    const attested = await checkAttestation(document, options.verifier, options.allowedMeasurements);
    if (options.bankRoot !== undefined && options.bankRoot.toLowerCase() !== attested.bankRoot) {
      throw new DetectionError(
        'DETECTION_SNAPSHOT_COMMITMENT_MISMATCH',
        'the matcher loaded another bank than the published commitment',
      );
    }
    const suite = enclaveSuite();
    const key = await suite.kem.deserializePublicKey(attested.publicKey.slice().buffer);
    return new EnclaveClient(attested, key, keyIdOf(attested.publicKey));
  }

  /** Always sends a payload (also below the quality floor: the matcher applies it), so the server
   *  cannot tell low-quality images from others. */
  async prepare(signals: ImageSignals): Promise<Uint8Array> {
    const quality = Math.max(0, Math.min(100, Math.round(signals.quality)));
    const plaintext = concat(encodeContext(signals.context), pdqToBytes(signals.pdq), Uint8Array.of(quality));
    const aad = concat(payloadHeader(MODE), this.keyId);
    const sender = await this.suite.createSenderContext({
      recipientPublicKey: this.recipientKey,
      info: HPKE_INFO,
    });
    const ciphertext = new Uint8Array(await sender.seal(plaintext.slice().buffer, aad.slice().buffer));
    return concat(aad, new Uint8Array(sender.enc), ciphertext);
  }
}

/** The server side: relays payloads to the matcher, turns its answers into verdicts. */
export class EnclaveEvaluator implements ServerEvaluator {
  readonly mode = MODE;
  constructor(
    private readonly host: EnclaveHost,
    private readonly bankName: string,
  ) {}

  async evaluate(payload: Uint8Array, context: DetectionContext): Promise<DetectionVerdict[] | undefined> {
    // Cheap checks before crossing into the matcher: right mode, long enough to hold key id and enc.
    const body = readHeader(MODE, payload);
    if (body.length < KEY_ID_BYTES + HPKE_ENC_BYTES) {
      throw new DetectionError('DETECTION_MALFORMED_PAYLOAD', 'enclave payload is truncated at enc');
    }
    const match = await this.host.evaluate(payload.slice(), context);
    if (match === undefined) return undefined;
    return [
      {
        mode: MODE,
        context,
        bankName: this.bankName,
        bankEntryId: match.bankEntryId,
        distance: match.distance,
      },
    ];
  }
}

export const ENCLAVE_PAYLOAD_OVERHEAD = HEADER_BYTES + KEY_ID_BYTES + HPKE_ENC_BYTES + 16;

export const enclaveMode: DetectionModeFactory = {
  name: MODE,
  leakage: enclaveLeakage,
  async setup(options) {
    const parameters = matchParameters(options);
    const platform = new SoftwareAttestationPlatform();
    const host = await EnclaveHost.launch({ bank: options.bank, parameters, platform });
    try {
      // The client's allowed list is computed from the published matcher code, independently of
      // what the host claims; the platform key is the one the client was configured to trust.
      const client = await EnclaveClient.fromAttestation(host.attestation, {
        verifier: new SoftwareAttestationVerifier([platform.publicKey]),
        allowedMeasurements: [measureMatcher(parameters)],
        // With a published bank root, the client also checks the matcher loaded that bank.
        bankRoot: options.bank.commitment,
      });
      return {
        client,
        server: new EnclaveEvaluator(host, options.bank.bankName),
        close: () => host.close(),
        clientDownloadBytes: host.attestation.length,
      };
    } catch (error) {
      await host.close();
      throw error;
    }
  },
};
