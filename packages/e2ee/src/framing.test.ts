import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCredentialTypes,
  defaultProposalTypes,
  encode,
  generateKeyPackage,
  getCiphersuiteImpl,
  type MlsContext,
  mlsMessageEncoder,
  protocolVersions,
  unsafeTestingAuthenticationService,
  wireformats,
} from 'ts-mls';
import { E2eeError } from './errors.js';
import { inspectMlsMessage, MAX_MLS_MESSAGE_BYTES } from './framing.js';

// Real MLS messages from ts-mls itself, so the inspector is tested against what clients send.
async function sampleMessages() {
  const cipherSuite = await getCiphersuiteImpl('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
  const context: MlsContext = { cipherSuite, authService: unsafeTestingAuthenticationService };
  const credential = (name: string) => ({
    credentialType: defaultCredentialTypes.basic,
    identity: new TextEncoder().encode(name),
  });
  const alice = await generateKeyPackage({ credential: credential('alice'), cipherSuite });
  const bob = await generateKeyPackage({ credential: credential('bob'), cipherSuite });
  const groupId = new TextEncoder().encode('framing-test-group');
  let state: ClientState = await createGroup({
    context,
    groupId,
    keyPackage: alice.publicPackage,
    privateKeyPackage: alice.privatePackage,
  });
  const commit = await createCommit({
    context,
    state,
    extraProposals: [{ proposalType: defaultProposalTypes.add, add: { keyPackage: bob.publicPackage } }],
  });
  state = commit.newState;
  const aad = new Uint8Array(32).fill(7);
  const app = await createApplicationMessage({
    context,
    state,
    message: new TextEncoder().encode('hello'),
    authenticatedData: aad,
  });
  const keyPackage = encode(mlsMessageEncoder, {
    wireformat: wireformats.mls_key_package,
    version: protocolVersions.mls10,
    keyPackage: bob.publicPackage,
  });
  return {
    groupId,
    aad,
    commit: encode(mlsMessageEncoder, commit.commit),
    welcome: encode(mlsMessageEncoder, commit.welcome!),
    application: encode(mlsMessageEncoder, app.message),
    keyPackage,
  };
}

describe('inspectMlsMessage', async () => {
  const m = await sampleMessages();

  it('reads group, epoch, content type and authenticated data of an application message', () => {
    const framing = inspectMlsMessage(m.application);
    assert.equal(framing.wireFormat, 'private');
    if (framing.wireFormat !== 'private') return;
    assert.deepEqual(framing.groupId, m.groupId);
    assert.equal(framing.epoch, 1n);
    assert.equal(framing.contentType, 'application');
    assert.deepEqual(framing.authenticatedData, m.aad);
  });

  it('sees a commit at the epoch it was made in', () => {
    const framing = inspectMlsMessage(m.commit);
    if (framing.wireFormat !== 'private' && framing.wireFormat !== 'public') {
      assert.fail(`commit framed as ${framing.wireFormat}`);
    }
    assert.equal(framing.contentType, 'commit');
    assert.equal(framing.epoch, 0n);
  });

  it('recognises welcome and key package messages', () => {
    assert.equal(inspectMlsMessage(m.welcome).wireFormat, 'welcome');
    assert.equal(inspectMlsMessage(m.keyPackage).wireFormat, 'key-package');
  });

  const malformed: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array()],
    ['truncated', m.application.subarray(0, m.application.length - 5)],
    ['trailing bytes', new Uint8Array([...m.application, 0])],
    ['random bytes', new Uint8Array(64).fill(0xab)],
    ['unknown wire format', new Uint8Array([0, 1, 0, 9, 0, 0])],
    ['oversized', new Uint8Array(MAX_MLS_MESSAGE_BYTES + 1)],
  ];
  for (const [name, bytes] of malformed) {
    it(`rejects ${name} input with E2EE_MALFORMED_MESSAGE`, () => {
      assert.throws(
        () => inspectMlsMessage(bytes),
        (e: unknown) => e instanceof E2eeError && e.code === 'E2EE_MALFORMED_MESSAGE',
      );
    });
  }
});
