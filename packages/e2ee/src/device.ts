// E2eeDevice: one device's MLS client. Owns its identity, its group states and the private parts
// of its unused key packages; persists all of it as one record after every successful mutation.
// ts-mls types never cross this module's public surface (docs/e2ee.md "Interface").
import {
  type CiphersuiteImpl,
  type ClientState,
  clientStateDecoder,
  clientStateEncoder,
  createApplicationMessage,
  createCommit,
  decode,
  defaultProposalTypes,
  encode,
  generateKeyPackageWithKey,
  getCredentialFromLeafIndex,
  getGroupMembers,
  joinGroup,
  type KeyPackage,
  keyPackageDecoder,
  keyPackageEncoder,
  type LeafIndex,
  type MlsContext,
  type MlsFramedMessage,
  makeKeyPackageRef,
  createGroup as mlsCreateGroup,
  mlsMessageDecoder,
  mlsMessageEncoder,
  type PrivateKeyPackage,
  type Proposal,
  type ProposalWithSender,
  privateKeyPackageDecoder,
  privateKeyPackageEncoder,
  processMessage,
  protocolVersions,
  type SecretTree,
  wireformats,
  zeroOutUint8Array,
} from 'ts-mls';
import { fromBase64Url, toBase64Url } from './base64url.js';
import { E2eeError } from './errors.js';
import { inspectMlsMessage, MAX_MLS_MESSAGE_BYTES } from './framing.js';
import {
  type AuthPurpose,
  type DeviceIdentity,
  decodeDeviceIdentity,
  encodeDeviceIdentity,
  signAuthChallenge,
} from './identity.js';
import {
  authenticationService,
  CLIENT_CONFIG,
  cipherSuite,
  credentialFor,
  credentialProblem,
  isAccountId,
  type MemberIdentity,
  parseCredential,
} from './mls.js';
import type { DeviceStateStore } from './state-store.js';

export type { MemberIdentity } from './mls.js';

/** The store key under which a device keeps its whole state (one atomic write per mutation). */
export const DEVICE_STATE_KEY = 'e2ee-device';
const STATE_FORMAT = 'safelight-e2ee-device-v1';
/** Most key packages one call may generate (the server takes at most 100 per upload). */
export const MAX_KEY_PACKAGES_PER_CALL = 100;
/** Most unused key packages a device keeps (the server stores at most 500 per device). */
export const MAX_STORED_KEY_PACKAGES = 500;
/** MLS group ids we accept (docs/delivery.md: at most 64 bytes raw). */
export const MAX_GROUP_ID_BYTES = 64;

/**
 * A commit this device made but has not applied: send `commit` (and `welcome`) to the server,
 * then call applyPendingCommit only if the server accepted it. If the server answers WRONG_EPOCH,
 * drop it, process the winning commit and propose again.
 */
export interface PendingCommit {
  readonly groupId: Uint8Array;
  /** Encoded MLSMessage (PrivateMessage, content type commit). */
  readonly commit: Uint8Array;
  /** Encoded MLSMessage(welcome) when devices are added; carries the ratchet tree. */
  readonly welcome?: Uint8Array;
  readonly addedDevices: string[];
  readonly removedDevices: string[];
  /** The epoch the commit was made in (the server's current epoch if it is accepted). */
  readonly epoch: bigint;
}

export type Incoming =
  | {
      kind: 'application';
      plaintext: Uint8Array;
      authenticatedData: Uint8Array;
      sender: MemberIdentity;
      /** The epoch the message was sent in (may be a retained past epoch). */
      epoch: bigint;
    }
  | {
      kind: 'commit';
      /** The group's epoch after this commit. */
      epoch: bigint;
      added: MemberIdentity[];
      removed: MemberIdentity[];
      /** This device was removed: the group is gone from this device. */
      removedSelf: boolean;
      sender: MemberIdentity;
    };

interface StoredKeyPackage {
  readonly publicPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
}

interface PendingInternal {
  readonly device: E2eeDevice;
  readonly newState: ClientState;
  readonly consumed: Uint8Array[];
  readonly groupKey: string;
}

/** What a pending commit carries but callers never see (keeps ts-mls types out of the API). */
const pendingInternals = new WeakMap<PendingCommit, PendingInternal>();

interface Outcome<T> {
  result: T;
  /** Secrets ts-mls reports as used up: wiped once the new state is stored. */
  consumed?: Uint8Array[];
}

interface Draft {
  groups: Map<string, ClientState>;
  keyPackages: Map<string, StoredKeyPackage>;
}

export class E2eeDevice {
  readonly deviceId: string;
  readonly accountId: string;
  readonly #identity: DeviceIdentity;
  readonly #store: DeviceStateStore;
  readonly #cs: CiphersuiteImpl;
  readonly #context: MlsContext;
  #groups = new Map<string, ClientState>();
  #keyPackages = new Map<string, StoredKeyPackage>();
  /** The bytes last written to the store; in-memory state is rebuilt from them after an error. */
  #snapshot: Uint8Array = new Uint8Array();
  #queue: Promise<unknown> = Promise.resolve();
  #credentialRejection: string | undefined;

  private constructor(
    identity: DeviceIdentity,
    accountId: string,
    store: DeviceStateStore,
    cs: CiphersuiteImpl,
  ) {
    this.#identity = identity;
    this.deviceId = identity.deviceId;
    this.accountId = accountId;
    this.#store = store;
    this.#cs = cs;
    this.#context = {
      cipherSuite: cs,
      authService: authenticationService((reason) => {
        this.#credentialRejection = reason;
      }),
      clientConfig: CLIENT_CONFIG,
    };
  }

  /** Creates a device with no groups and persists it. Refuses to overwrite a device in the store. */
  static async create(opts: {
    identity: DeviceIdentity;
    accountId: string;
    store: DeviceStateStore;
  }): Promise<E2eeDevice> {
    if (!isAccountId(opts.accountId)) {
      throw new E2eeError('E2EE_INVALID_INPUT', 'accountId must be 1-64 characters of [A-Za-z0-9_-]');
    }
    // Round-trip through the persistence format: validates the key pair and recomputes deviceId.
    const identity = decodeDeviceIdentity(encodeDeviceIdentity(opts.identity));
    if (identity.deviceId !== opts.identity.deviceId) {
      throw new E2eeError('E2EE_INVALID_INPUT', 'identity.deviceId does not match its public key');
    }
    if ((await opts.store.get(DEVICE_STATE_KEY)) !== undefined) {
      throw new E2eeError('E2EE_INVALID_INPUT', 'the store already holds a device; use E2eeDevice.load');
    }
    const device = new E2eeDevice(identity, opts.accountId, opts.store, await cipherSuite());
    await device.#commitDraft({ groups: new Map(), keyPackages: new Map() });
    return device;
  }

  /** Restores identity, groups and unused key-package private parts from the store. */
  static async load(opts: { store: DeviceStateStore }): Promise<E2eeDevice> {
    const bytes = await opts.store.get(DEVICE_STATE_KEY);
    if (bytes === undefined) throw new E2eeError('E2EE_STATE_CORRUPT', 'the store holds no device state');
    const parsed = parseDeviceState(bytes);
    const device = new E2eeDevice(parsed.identity, parsed.accountId, opts.store, await cipherSuite());
    device.#groups = parsed.groups;
    device.#keyPackages = parsed.keyPackages;
    device.#snapshot = bytes;
    return device;
  }

  // ---- key packages -------------------------------------------------------------------------

  /** Encoded MLSMessage(key_package) values; their private parts are kept until a welcome uses them. */
  generateKeyPackages(count: number): Promise<Uint8Array[]> {
    return this.#exclusive(async (draft) => {
      if (!Number.isInteger(count) || count < 1 || count > MAX_KEY_PACKAGES_PER_CALL) {
        throw new E2eeError('E2EE_INVALID_INPUT', `key package count must be 1-${MAX_KEY_PACKAGES_PER_CALL}`);
      }
      if (draft.keyPackages.size + count > MAX_STORED_KEY_PACKAGES) {
        throw new E2eeError(
          'E2EE_INVALID_INPUT',
          `device would hold over ${MAX_STORED_KEY_PACKAGES} unused key packages (has ${draft.keyPackages.size})`,
        );
      }
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const kp = await generateKeyPackageWithKey({
          credential: credentialFor(this.accountId, this.deviceId),
          signatureKeyPair: { signKey: this.#identity.privateKey, publicKey: this.#identity.publicKey },
          cipherSuite: this.#cs,
        });
        const ref = toBase64Url(await makeKeyPackageRef(kp.publicPackage, this.#cs.hash));
        draft.keyPackages.set(ref, kp);
        out.push(
          encode(mlsMessageEncoder, {
            wireformat: wireformats.mls_key_package,
            version: protocolVersions.mls10,
            keyPackage: kp.publicPackage,
          }),
        );
      }
      return { result: out };
    });
  }

  /**
   * Proves possession of the device key to the delivery server (docs/delivery.md, "Authentication").
   * The private key never leaves the device object.
   */
  signAuthChallenge(purpose: AuthPurpose, challenge: string): Uint8Array {
    return signAuthChallenge(this.#identity, purpose, challenge);
  }

  /** How many generated key packages have not been used by a welcome yet. */
  unusedKeyPackageCount(): number {
    return this.#keyPackages.size;
  }

  // ---- groups -------------------------------------------------------------------------------

  createGroup(groupId: Uint8Array): Promise<void> {
    return this.#exclusive(async (draft) => {
      checkGroupId(groupId);
      const key = toBase64Url(groupId);
      if (draft.groups.has(key))
        throw new E2eeError('E2EE_GROUP_EXISTS', `group ${key} already exists on this device`);
      const kp = await generateKeyPackageWithKey({
        credential: credentialFor(this.accountId, this.deviceId),
        signatureKeyPair: { signKey: this.#identity.privateKey, publicKey: this.#identity.publicKey },
        cipherSuite: this.#cs,
      });
      const state = await mlsCreateGroup({
        context: this.#context,
        groupId: groupId.slice(),
        keyPackage: kp.publicPackage,
        privateKeyPackage: kp.privatePackage,
      });
      draft.groups.set(key, state);
      return { result: undefined };
    });
  }

  hasGroup(groupId: Uint8Array): boolean {
    return this.#groups.has(toBase64Url(groupId));
  }

  groupIds(): Uint8Array[] {
    return [...this.#groups.keys()].map((key) => fromBase64Url(key));
  }

  epoch(groupId: Uint8Array): bigint {
    return this.#group(this.#groups, groupId).groupContext.epoch;
  }

  members(groupId: Uint8Array): MemberIdentity[] {
    return membersOf(this.#group(this.#groups, groupId));
  }

  // ---- commits ------------------------------------------------------------------------------

  /** Commit adding one device per key package; the welcome carries the ratchet tree. */
  proposeAdd(groupId: Uint8Array, keyPackages: Uint8Array[]): Promise<PendingCommit> {
    return this.#exclusive(async (draft) => {
      const state = this.#group(draft.groups, groupId);
      if (!Array.isArray(keyPackages) || keyPackages.length === 0) {
        throw new E2eeError('E2EE_INVALID_INPUT', 'proposeAdd needs at least one key package');
      }
      const present = new Set(membersOf(state).map((m) => m.deviceId));
      const proposals: Proposal[] = [];
      const addedDevices: string[] = [];
      for (const [i, bytes] of keyPackages.entries()) {
        const kp = this.#decodeKeyPackage(bytes, i);
        const member = parseCredential(kp.leafNode.credential) as MemberIdentity;
        if (present.has(member.deviceId) || addedDevices.includes(member.deviceId)) {
          throw new E2eeError(
            'E2EE_INVALID_INPUT',
            `device ${member.deviceId} is already a member or added twice`,
          );
        }
        addedDevices.push(member.deviceId);
        proposals.push({ proposalType: defaultProposalTypes.add, add: { keyPackage: kp } });
      }
      return this.#propose(state, proposals, addedDevices, []);
    }, false);
  }

  /** Commit removing the given member devices. */
  proposeRemove(groupId: Uint8Array, deviceIds: string[]): Promise<PendingCommit> {
    return this.#exclusive(async (draft) => {
      const state = this.#group(draft.groups, groupId);
      if (!Array.isArray(deviceIds) || deviceIds.length === 0) {
        throw new E2eeError('E2EE_INVALID_INPUT', 'proposeRemove needs at least one deviceId');
      }
      const leaves = leafIndexByDevice(state);
      const proposals: Proposal[] = [];
      for (const deviceId of new Set(deviceIds)) {
        if (deviceId === this.deviceId) {
          throw new E2eeError(
            'E2EE_INVALID_INPUT',
            'a device cannot commit its own removal (MLS forbids it)',
          );
        }
        const leaf = leaves.get(deviceId);
        if (leaf === undefined)
          throw new E2eeError('E2EE_INVALID_INPUT', `device ${deviceId} is not a member`);
        proposals.push({ proposalType: defaultProposalTypes.remove, remove: { removed: leaf } });
      }
      return this.#propose(state, proposals, [], [...new Set(deviceIds)]);
    }, false);
  }

  /** Empty commit with a path: rotates this device's leaf key and every key on its path (PCS). */
  proposeUpdate(groupId: Uint8Array): Promise<PendingCommit> {
    return this.#exclusive(
      async (draft) => this.#propose(this.#group(draft.groups, groupId), [], [], []),
      false,
    );
  }

  /** Applies a commit the server accepted. Fails with E2EE_WRONG_EPOCH if the group moved on. */
  applyPendingCommit(pending: PendingCommit): Promise<void> {
    return this.#exclusive(async (draft) => {
      const internal = pendingInternals.get(pending);
      if (internal === undefined || internal.device !== this) {
        throw new E2eeError('E2EE_INVALID_INPUT', 'not a pending commit made by this device');
      }
      const state = draft.groups.get(internal.groupKey);
      if (state === undefined)
        throw new E2eeError('E2EE_UNKNOWN_GROUP', `group ${internal.groupKey} is not on this device`);
      if (state.groupContext.epoch !== pending.epoch) {
        throw new E2eeError(
          'E2EE_WRONG_EPOCH',
          `pending commit was made in epoch ${pending.epoch}, the group is at ${state.groupContext.epoch}`,
        );
      }
      draft.groups.set(internal.groupKey, internal.newState);
      pendingInternals.delete(pending);
      // Not wiped: ts-mls lists the secrets the commit's own encryption used, but the new state
      // keeps the previous epoch's secret tree (historical receiver data, KEY_RETENTION_EPOCHS)
      // and shares those very arrays with it. Wiping them would make every message other members
      // sent in the previous epoch, and that arrives after our commit, undecryptable. They are
      // dropped with the old epoch's data when it leaves the retention window.
      return { result: undefined };
    });
  }

  /** Joins from a self-contained welcome (ratchet tree in the GroupInfo) with one of our key packages. */
  joinFromWelcome(welcome: Uint8Array): Promise<{ groupId: Uint8Array; members: MemberIdentity[] }> {
    return this.#exclusive<{ groupId: Uint8Array; members: MemberIdentity[] }>(async (draft) => {
      const message = decodeMlsMessage(welcome);
      if (message.wireformat !== wireformats.mls_welcome) {
        throw new E2eeError('E2EE_UNEXPECTED_MESSAGE', 'expected a welcome message');
      }
      let ref: string | undefined;
      for (const secrets of message.welcome.secrets) {
        const candidate = toBase64Url(secrets.newMember);
        if (draft.keyPackages.has(candidate)) ref = candidate;
      }
      if (ref === undefined) {
        throw new E2eeError(
          'E2EE_NO_MATCHING_KEY_PACKAGE',
          'the welcome is for none of this device’s unused key packages',
        );
      }
      const kp = draft.keyPackages.get(ref) as StoredKeyPackage;
      const state = await this.#mls(
        () =>
          joinGroup({
            context: this.#context,
            welcome: message.welcome,
            keyPackage: kp.publicPackage,
            privateKeys: kp.privatePackage,
          }),
        'E2EE_DECRYPT_FAILED',
      );
      const key = toBase64Url(state.groupContext.groupId);
      if (draft.groups.has(key))
        throw new E2eeError('E2EE_GROUP_EXISTS', `group ${key} already exists on this device`);
      draft.groups.set(key, state);
      draft.keyPackages.delete(ref);
      return { result: { groupId: state.groupContext.groupId.slice(), members: membersOf(state) } };
    });
  }

  // ---- messages -----------------------------------------------------------------------------

  /** Encrypts an application message (PrivateMessage). authenticatedData travels in clear (franking tag). */
  encrypt(groupId: Uint8Array, plaintext: Uint8Array, authenticatedData: Uint8Array): Promise<Uint8Array> {
    return this.#exclusive(async (draft) => {
      const state = this.#group(draft.groups, groupId);
      if (!(plaintext instanceof Uint8Array) || !(authenticatedData instanceof Uint8Array)) {
        throw new E2eeError('E2EE_INVALID_INPUT', 'plaintext and authenticatedData must be bytes');
      }
      if (plaintext.length + authenticatedData.length > MAX_MLS_MESSAGE_BYTES - 1024) {
        throw new E2eeError('E2EE_INVALID_INPUT', 'message too large: send big content as an attachment');
      }
      const result = await this.#mls(() =>
        createApplicationMessage({ context: this.#context, state, message: plaintext, authenticatedData }),
      );
      draft.groups.set(toBase64Url(groupId), result.newState);
      return { result: encode(mlsMessageEncoder, result.message), consumed: result.consumed };
    });
  }

  /** Decrypts/applies one framed message of the group: an application message or a commit. */
  process(groupId: Uint8Array, message: Uint8Array): Promise<Incoming> {
    return this.#exclusive<Incoming>(async (draft) => {
      const framing = inspectMlsMessage(message);
      const key = toBase64Url(groupId);
      const state = draft.groups.get(key);
      if (state === undefined)
        throw new E2eeError('E2EE_UNKNOWN_GROUP', `group ${key} is not on this device`);
      if (framing.wireFormat !== 'private' && framing.wireFormat !== 'public') {
        throw new E2eeError(
          'E2EE_UNEXPECTED_MESSAGE',
          `expected a framed group message, got ${framing.wireFormat}`,
        );
      }
      if (toBase64Url(framing.groupId) !== key) {
        throw new E2eeError(
          'E2EE_WRONG_GROUP',
          `message is for group ${toBase64Url(framing.groupId)}, not ${key}`,
        );
      }
      const current = state.groupContext.epoch;
      if (framing.contentType === 'proposal') {
        throw new E2eeError(
          'E2EE_UNEXPECTED_MESSAGE',
          'standalone proposals are not used: members send commits',
        );
      }
      if (framing.epoch > current) {
        throw new E2eeError(
          'E2EE_WRONG_EPOCH',
          `message is from epoch ${framing.epoch}, the group is at ${current}`,
        );
      }
      if (framing.contentType === 'commit' && framing.epoch !== current) {
        throw new E2eeError(
          'E2EE_WRONG_EPOCH',
          `commit is for epoch ${framing.epoch}, the group is at ${current}`,
        );
      }
      const historical =
        framing.epoch < current ? state.historicalReceiverData.get(framing.epoch) : undefined;
      if (framing.epoch < current && historical === undefined) {
        throw new E2eeError(
          'E2EE_WRONG_EPOCH',
          `message is from epoch ${framing.epoch}; keys are kept for the last ${CLIENT_CONFIG.keyRetentionConfig.retainKeysForEpochs} epochs (group at ${current})`,
        );
      }
      const decoded = decodeMlsMessage(message) as MlsFramedMessage;
      let commitInfo: { senderLeafIndex: number | undefined; proposals: ProposalWithSender[] } | undefined;
      const result = await this.#mls(
        () =>
          processMessage({
            context: this.#context,
            state,
            message: decoded,
            callback: (incoming) => {
              if (incoming.kind === 'commit') {
                commitInfo = { senderLeafIndex: incoming.senderLeafIndex, proposals: incoming.proposals };
                return 'accept';
              }
              return 'reject';
            },
          }),
        'E2EE_DECRYPT_FAILED',
      );
      if (result.kind === 'applicationMessage') {
        const before = historical ? historical.secretTree : state.secretTree;
        const after = historical
          ? result.newState.historicalReceiverData.get(framing.epoch)?.secretTree
          : result.newState.secretTree;
        const senderLeaf = after === undefined ? undefined : changedLeaf(before, after);
        if (senderLeaf === undefined)
          throw new E2eeError('E2EE_DECRYPT_FAILED', 'could not attribute the message to a sender');
        const tree = historical ? historical.ratchetTree : state.ratchetTree;
        const sender = parseCredential(getCredentialFromLeafIndex(tree, senderLeaf as LeafIndex));
        if (sender === undefined)
          throw new E2eeError('E2EE_DECRYPT_FAILED', 'sender credential does not parse');
        if (historical && !membersOf(state).some((m) => m.deviceId === sender.deviceId)) {
          // Honest in-flight messages from a device removed since reach us before the removing
          // commit (the server orders each queue); one arriving after it is refused.
          throw new E2eeError(
            'E2EE_SENDER_NOT_MEMBER',
            `message from epoch ${framing.epoch} is from device ${sender.deviceId}, which is no longer a member`,
          );
        }
        draft.groups.set(key, result.newState);
        const incoming: Incoming = {
          kind: 'application',
          plaintext: result.message,
          authenticatedData: result.aad,
          sender,
          epoch: framing.epoch,
        };
        return { result: incoming, consumed: result.consumed };
      }
      if (result.actionTaken !== 'accept' || commitInfo === undefined) {
        throw new E2eeError(
          'E2EE_UNEXPECTED_MESSAGE',
          'message was neither an application message nor a commit',
        );
      }
      const info = commitInfo;
      const leafMember = (leaf: number) =>
        parseCredential(getCredentialFromLeafIndex(state.ratchetTree, leaf as LeafIndex));
      const sender = info.senderLeafIndex === undefined ? undefined : leafMember(info.senderLeafIndex);
      if (sender === undefined) throw new E2eeError('E2EE_UNEXPECTED_MESSAGE', 'commit is not from a member');
      const added: MemberIdentity[] = [];
      const removed: MemberIdentity[] = [];
      for (const { proposal } of info.proposals) {
        if (proposal.proposalType === defaultProposalTypes.add && 'add' in proposal) {
          const member = parseCredential(proposal.add.keyPackage.leafNode.credential);
          if (member) added.push(member);
        } else if (proposal.proposalType === defaultProposalTypes.remove && 'remove' in proposal) {
          const member = leafMember(proposal.remove.removed);
          if (member) removed.push(member);
        }
      }
      const removedSelf = result.newState.groupActiveState.kind === 'removedFromGroup';
      if (removedSelf) draft.groups.delete(key);
      else draft.groups.set(key, result.newState);
      const incoming: Incoming = {
        kind: 'commit',
        epoch: result.newState.groupContext.epoch,
        added,
        removed,
        removedSelf,
        sender,
      };
      return { result: incoming, consumed: result.consumed };
    });
  }

  // ---- internals ----------------------------------------------------------------------------

  async #propose(
    state: ClientState,
    proposals: Proposal[],
    addedDevices: string[],
    removedDevices: string[],
  ): Promise<{ result: PendingCommit }> {
    const result = await this.#mls(() =>
      createCommit({
        context: this.#context,
        state,
        extraProposals: proposals,
        ratchetTreeExtension: true,
      }),
    );
    const groupId = state.groupContext.groupId.slice();
    const pending: PendingCommit = {
      groupId,
      commit: encode(mlsMessageEncoder, result.commit),
      ...(result.welcome ? { welcome: encode(mlsMessageEncoder, result.welcome) } : {}),
      addedDevices,
      removedDevices,
      epoch: state.groupContext.epoch,
    };
    pendingInternals.set(pending, {
      device: this,
      newState: result.newState,
      consumed: result.consumed,
      groupKey: toBase64Url(groupId),
    });
    return { result: pending };
  }

  #decodeKeyPackage(bytes: Uint8Array, index: number): KeyPackage {
    const message = decodeMlsMessage(bytes);
    if (message.wireformat !== wireformats.mls_key_package) {
      throw new E2eeError('E2EE_UNEXPECTED_MESSAGE', `keyPackages[${index}] is not a key package`);
    }
    const kp = message.keyPackage;
    if (kp.cipherSuite !== this.#cs.id) {
      throw new E2eeError('E2EE_INVALID_INPUT', `keyPackages[${index}] uses cipher suite ${kp.cipherSuite}`);
    }
    const problem = credentialProblem(kp.leafNode.credential, kp.leafNode.signaturePublicKey);
    if (problem !== undefined)
      throw new E2eeError('E2EE_INVALID_CREDENTIAL', `keyPackages[${index}]: ${problem}`);
    return kp;
  }

  #group(groups: Map<string, ClientState>, groupId: Uint8Array): ClientState {
    if (!(groupId instanceof Uint8Array)) throw new E2eeError('E2EE_INVALID_INPUT', 'groupId must be bytes');
    const state = groups.get(toBase64Url(groupId));
    if (state === undefined)
      throw new E2eeError('E2EE_UNKNOWN_GROUP', `group ${toBase64Url(groupId)} is not on this device`);
    return state;
  }

  /** Runs a ts-mls call, turning its errors into E2eeError (credential rejections get their own code). */
  async #mls<T>(
    fn: () => Promise<T>,
    code: 'E2EE_DECRYPT_FAILED' | 'E2EE_INVALID_INPUT' = 'E2EE_INVALID_INPUT',
  ): Promise<T> {
    // INVALID_INPUT for what we send (a commit over bad key packages), DECRYPT_FAILED for what we receive.
    this.#credentialRejection = undefined;
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof E2eeError) throw cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      if (this.#credentialRejection !== undefined) {
        throw new E2eeError('E2EE_INVALID_CREDENTIAL', `credential rejected: ${this.#credentialRejection}`, {
          cause,
        });
      }
      throw new E2eeError(code, `MLS: ${detail}`, { cause });
    }
  }

  /**
   * Serialises operations on this device and makes each all-or-nothing: `fn` works on a draft
   * (copies of the maps; ts-mls states are values), the draft is written to the store, and only
   * then becomes the device's state. On any error the in-memory state is rebuilt from the last
   * stored bytes, so it always equals what is persisted. `fn` may return secrets to wipe after
   * the write (`consumed`, as ts-mls asks).
   */
  #exclusive<T>(fn: (draft: Draft) => Promise<Outcome<T>>, persist = true): Promise<T> {
    const run = async (): Promise<T> => {
      const draft: Draft = { groups: new Map(this.#groups), keyPackages: new Map(this.#keyPackages) };
      try {
        const { result, consumed } = await fn(draft);
        if (persist) await this.#commitDraft(draft);
        for (const secret of consumed ?? []) zeroOutUint8Array(secret);
        return result;
      } catch (error) {
        this.#restore();
        throw error;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #commitDraft(draft: Draft): Promise<void> {
    const bytes = serializeDeviceState(this.#identity, this.accountId, draft);
    await this.#store.set(DEVICE_STATE_KEY, bytes);
    this.#groups = draft.groups;
    this.#keyPackages = draft.keyPackages;
    this.#snapshot = bytes;
  }

  #restore(): void {
    if (this.#snapshot.length === 0) return;
    const parsed = parseDeviceState(this.#snapshot);
    this.#groups = parsed.groups;
    this.#keyPackages = parsed.keyPackages;
  }
}

// ---- helpers ----------------------------------------------------------------------------------

function checkGroupId(groupId: Uint8Array): void {
  if (!(groupId instanceof Uint8Array) || groupId.length === 0 || groupId.length > MAX_GROUP_ID_BYTES) {
    throw new E2eeError('E2EE_INVALID_INPUT', `groupId must be 1-${MAX_GROUP_ID_BYTES} bytes`);
  }
}

function decodeMlsMessage(bytes: Uint8Array) {
  inspectMlsMessage(bytes); // size, complete decode, no trailing bytes
  const message = decode(mlsMessageDecoder, bytes);
  if (message === undefined) throw new E2eeError('E2EE_MALFORMED_MESSAGE', 'MLS message does not decode');
  return message;
}

function membersOf(state: ClientState): MemberIdentity[] {
  const out: MemberIdentity[] = [];
  for (const leaf of getGroupMembers(state)) {
    const member = parseCredential(leaf.credential);
    if (member) out.push(member);
  }
  return out;
}

function leafIndexByDevice(state: ClientState): Map<string, number> {
  const out = new Map<string, number>();
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (node !== undefined && nodeIndex % 2 === 0 && 'leaf' in node) {
      const member = parseCredential(node.leaf.credential);
      if (member) out.set(member.deviceId, nodeIndex / 2);
    }
  });
  return out;
}

/**
 * ts-mls returns no sender for application messages. The sender's ratchet is the only leaf of the
 * secret tree that processing a message changes (ts-mls updates trees immutably), and ts-mls has
 * verified the message signature against that leaf's signature key, so the changed leaf is the
 * authenticated sender. Returns its leaf index, or undefined unless exactly one leaf changed.
 */
function changedLeaf(before: SecretTree, after: SecretTree): number | undefined {
  const changed: number[] = [];
  for (const key of Object.keys(after.leafNodes)) {
    const nodeIndex = Number(key);
    if (before.leafNodes[nodeIndex] !== after.leafNodes[nodeIndex]) changed.push(nodeIndex);
  }
  if (changed.length !== 1) return undefined;
  return (changed[0] as number) / 2;
}

// ---- persistence ------------------------------------------------------------------------------

interface StoredDeviceState {
  format: typeof STATE_FORMAT;
  identity: string;
  accountId: string;
  groups: Array<{ id: string; state: string }>;
  keyPackages: Array<{ ref: string; publicPackage: string; privatePackage: string }>;
}

function serializeDeviceState(identity: DeviceIdentity, accountId: string, draft: Draft): Uint8Array {
  const stored: StoredDeviceState = {
    format: STATE_FORMAT,
    identity: encodeDeviceIdentity(identity),
    accountId,
    groups: [...draft.groups].map(([id, state]) => ({
      id,
      state: toBase64Url(encode(clientStateEncoder, state)),
    })),
    keyPackages: [...draft.keyPackages].map(([ref, kp]) => ({
      ref,
      publicPackage: toBase64Url(encode(keyPackageEncoder, kp.publicPackage)),
      privatePackage: toBase64Url(encode(privateKeyPackageEncoder, kp.privatePackage)),
    })),
  };
  return new TextEncoder().encode(JSON.stringify(stored));
}

function parseDeviceState(bytes: Uint8Array): {
  identity: DeviceIdentity;
  accountId: string;
  groups: Map<string, ClientState>;
  keyPackages: Map<string, StoredKeyPackage>;
} {
  try {
    const stored = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as StoredDeviceState;
    if (stored.format !== STATE_FORMAT) throw new Error(`format is not ${STATE_FORMAT}`);
    if (!isAccountId(stored.accountId)) throw new Error('accountId is invalid');
    const identity = decodeDeviceIdentity(stored.identity);
    const groups = new Map<string, ClientState>();
    for (const g of stored.groups) {
      const state = decodeExact(clientStateDecoder, fromBase64Url(g.state), `group ${g.id}`);
      if (toBase64Url(state.groupContext.groupId) !== g.id)
        throw new Error(`group ${g.id} holds another group's state`);
      groups.set(g.id, state);
    }
    const keyPackages = new Map<string, StoredKeyPackage>();
    for (const kp of stored.keyPackages) {
      keyPackages.set(kp.ref, {
        publicPackage: decodeExact(keyPackageDecoder, fromBase64Url(kp.publicPackage), 'key package'),
        privatePackage: decodeExact(
          privateKeyPackageDecoder,
          fromBase64Url(kp.privatePackage),
          'key package private part',
        ),
      });
    }
    return { identity, accountId: stored.accountId, groups, keyPackages };
  } catch (cause) {
    if (cause instanceof E2eeError && cause.code === 'E2EE_STATE_CORRUPT') throw cause;
    throw new E2eeError(
      'E2EE_STATE_CORRUPT',
      `stored device state is unreadable: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

function decodeExact<T>(
  decoder: (b: Uint8Array, offset: number) => [T, number] | undefined,
  bytes: Uint8Array,
  what: string,
): T {
  const decoded = decoder(bytes, 0);
  if (decoded === undefined || decoded[1] !== bytes.length) throw new Error(`${what} does not decode`);
  return decoded[0];
}
