import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgeAssuranceResult } from '@safelight/safety';
import { postgresSkipReason } from '../../../tests/support/postgres.js';
import {
  b64u,
  call,
  messageId,
  postgresStorage,
  type Reply,
  sqliteStorage,
  startTestServer,
  TestDevice,
  uniqueHandle,
} from './server.test-support.js';

/**
 * Safety by design through the real server over loopback (docs/safety.md): declared ages at
 * registration, the policy at contact requests and at commits that add accounts, parent approval
 * of a 15-year-old loosening a setting, and band changes that need age assurance.
 */
const thisYear = new Date().getUTCFullYear();
/** 1 January of the year that makes someone exactly `years` old all year. */
const bornYearsAgo = (years: number) => `${thisYear - years}-01-01`;

async function registerAged(url: string, prefix: string, dateOfBirth?: string): Promise<[TestDevice, Reply]> {
  const device = new TestDevice(url, uniqueHandle(prefix));
  const challenge = await device.challenge();
  const reply = await call(url, 'POST', '/v1/accounts', {
    handle: device.handle,
    publicKey: b64u(device.publicKey),
    challenge,
    signature: device.sign('register', challenge),
    ...(dateOfBirth === undefined ? {} : { dateOfBirth }),
  });
  if (reply.status === 201) {
    device.token = reply.body.token;
    device.accountId = reply.body.accountId;
  }
  return [device, reply];
}

const postgresSkip = await postgresSkipReason();

for (const storage of [sqliteStorage, postgresStorage]) {
  describe(`safety on the delivery server (${storage.name})`, {
    skip: storage === postgresStorage ? postgresSkip : false,
  }, () => {
    let data: Awaited<ReturnType<typeof storage.make>>;
    let running: Awaited<ReturnType<typeof startTestServer>>;
    /** The age-assurance hook: vouches for the accounts a test put here (standing in for an ID check). */
    const assured = new Map<string, AgeAssuranceResult>();

    before(async () => {
      data = await storage.make();
      running = await startTestServer(data, {
        safety: {
          ageAssurance: {
            assess: async ({ accountId }) =>
              assured.get(accountId) ?? { method: 'id-document', band: 'adult', verified: false },
          },
        },
      });
    });
    after(async () => {
      await running?.server.close();
      await data?.cleanup();
    });

    const aged = async (prefix: string, years?: number) => {
      const [device, reply] = await registerAged(
        running.url,
        prefix,
        years === undefined ? undefined : bornYearsAgo(years),
      );
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return device;
    };

    /** Creates a group as `owner` and commits an add of `member`'s devices; returns the commit reply. */
    async function addToNewGroup(owner: TestDevice, member: TestDevice) {
      const { groupId } = await owner.createGroup();
      const commit = await commitAdd(owner, groupId, member);
      return { groupId, commit };
    }
    async function commitAdd(owner: TestDevice, groupId: string, member: TestDevice) {
      const claimed = await owner.post('POST', '/v1/key-packages/claim', { accountId: member.accountId });
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      const add = await owner.makeAddCommit(claimed.body.keyPackages);
      const reply = await owner.post('POST', `/v1/groups/${groupId}/commits`, {
        messageId: messageId(),
        commit: add.commit,
        welcome: add.welcome,
        addDevices: claimed.body.keyPackages.map((k: { deviceId: string }) => k.deviceId),
      });
      if (reply.status === 200) owner.state = add.newState;
      return reply;
    }
    const connect = async (asker: TestDevice, answerer: TestDevice) => {
      const asked = await asker.post('POST', '/v1/safety/contact-requests', {
        accountId: answerer.accountId,
      });
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const accepted = await answerer.post('POST', '/v1/safety/contact-requests/accept', {
        accountId: asker.accountId,
      });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    };

    it('takes a declared date of birth at registration and refuses impossible or under-13 ones', async () => {
      const teen = await aged('teen', 14);
      const me = await teen.post('GET', '/v1/safety/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.band, 'teen13to15');
      assert.equal(me.body.declared, true);
      assert.deepEqual(me.body.settings, {
        accountPrivate: true,
        discoverable: false,
        messagesFrom: 'contacts',
        groupAddsFrom: 'contacts',
        mediaFrom: 'contacts',
        locationSharing: false,
      });

      const [, child] = await registerAged(running.url, 'kid', bornYearsAgo(12));
      assert.equal(child.status, 403);
      assert.equal(child.body.code, 'POLICY_REFUSED');
      assert.equal(child.body.rule, 'UNDER_13_NO_ACCOUNT');
      for (const [text, reason] of [
        [`${thisYear + 1}-01-01`, 'BIRTH_DATE_IN_FUTURE'],
        [`${thisYear - 140}-01-01`, 'BIRTH_DATE_TOO_OLD'],
        ['2010-02-30', 'BIRTH_DATE_MALFORMED'],
        ['14 years ago', 'BIRTH_DATE_MALFORMED'],
      ] as const) {
        const [, reply] = await registerAged(running.url, 'bad', text);
        assert.equal(reply.status, 400, text);
        assert.equal(reply.body.code, 'BIRTH_DATE_INVALID');
        assert.equal(reply.body.field, 'dateOfBirth');
        assert.equal(reply.body.reason, reason);
      }
      // Clients that predate the field keep working (requireBirthDate is off here): undeclared = adult.
      const legacy = await aged('legacy');
      const legacyMe = await legacy.post('GET', '/v1/safety/me');
      assert.equal(legacyMe.body.band, 'adult');
      assert.equal(legacyMe.body.declared, false);
    });

    it("refuses an adult's contact request to an unconnected 14-year-old, naming the rule", async () => {
      const adult = await aged('adult', 35);
      const teen = await aged('teen', 14);
      const refused = await adult.post('POST', '/v1/safety/contact-requests', { accountId: teen.accountId });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'POLICY_REFUSED');
      assert.equal(refused.body.rule, 'ADULT_TO_UNCONNECTED_MINOR');
      assert.equal(refused.body.accountId, teen.accountId);
      const incoming = await teen.post('GET', '/v1/safety/contact-requests');
      assert.deepEqual(incoming.body.incoming, []);

      // The same adult may answer when the teen asks first (a relative, a coach the teen knows).
      await connect(teen, adult);
      const contacts = await adult.post('GET', '/v1/safety/contacts');
      assert.deepEqual(contacts.body.contacts, [teen.accountId]);
      // An undeclared (legacy) account is held to the adult rule too.
      const legacy = await aged('legacy');
      const legacyAsk = await legacy.post('POST', '/v1/safety/contact-requests', {
        accountId: teen.accountId,
      });
      assert.equal(legacyAsk.body.rule, 'ADULT_TO_UNCONNECTED_MINOR');
      // Teens may ask each other; a block ends the contact and refuses what follows.
      const peer = await aged('peer', 15);
      await connect(peer, teen);
      const blocked = await teen.post('POST', '/v1/safety/blocks', { accountId: peer.accountId });
      assert.equal(blocked.status, 200);
      const again = await peer.post('POST', '/v1/safety/contact-requests', { accountId: teen.accountId });
      assert.equal(again.body.rule, 'BLOCKED');
      const missing = await teen.post('POST', '/v1/safety/contact-requests/accept', {
        accountId: adult.accountId,
      });
      assert.equal(missing.body.code, 'CONTACT_REQUEST_NOT_FOUND');
    });

    it('refuses a group add of a minor by a non-contact adult, and lets a contact add them', async () => {
      const adult = await aged('adult', 40);
      const teen = await aged('teen', 14);
      await teen.uploadKeyPackages(3);

      // Starting a conversation: the group holds only the adult.
      const first = await addToNewGroup(adult, teen);
      assert.equal(first.commit.status, 403, JSON.stringify(first.commit.body));
      assert.equal(first.commit.body.code, 'POLICY_REFUSED');
      assert.equal(first.commit.body.rule, 'ADULT_TO_UNCONNECTED_MINOR');
      assert.equal(first.commit.body.action, 'conversation.create');
      const group = await adult.post('GET', `/v1/groups/${first.groupId}`);
      assert.equal(group.body.epoch, 0, 'the refused commit changed nothing');
      assert.deepEqual(
        group.body.members.map((m: { accountId: string }) => m.accountId),
        [adult.accountId],
      );

      // Adding to a group that already has others: another adult's group, teen not their contact.
      const other = await aged('other', 30);
      await other.uploadKeyPackages(1);
      const withOther = await addToNewGroup(adult, other);
      assert.equal(withOther.commit.status, 200, JSON.stringify(withOther.commit.body));
      const groupAdd = await commitAdd(adult, withOther.groupId, teen);
      assert.equal(groupAdd.status, 403);
      assert.equal(groupAdd.body.rule, 'ADULT_TO_UNCONNECTED_MINOR');
      assert.equal(groupAdd.body.action, 'group.add');

      // Positive control: once the teen asked and the adult accepted, the same add goes through.
      await connect(teen, adult);
      const allowed = await commitAdd(adult, withOther.groupId, teen);
      assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
      // Between adults nothing changes: their defaults take adds from anyone.
      assert.equal(withOther.commit.status, 200);
    });

    it("holds a 15-year-old's loosened setting until the linked parent approves it", async () => {
      const teen = await aged('teen', 15);
      const parent = await aged('parent', 45);
      const stranger = await aged('stranger', 45);

      const unlinked = await teen.post('PUT', '/v1/safety/settings', { key: 'discoverable', value: true });
      assert.equal(unlinked.status, 403);
      assert.equal(unlinked.body.rule, 'PARENT_LINK_REQUIRED');

      const offered = await parent.post('POST', '/v1/safety/parent-links', { accountId: teen.accountId });
      assert.equal(offered.status, 201, JSON.stringify(offered.body));
      // The link is not active until the child accepts it.
      assert.equal((await teen.post('GET', '/v1/safety/me')).body.parentLinked, false);
      const accepted = await teen.post('POST', '/v1/safety/parent-links/accept', {
        accountId: parent.accountId,
      });
      assert.equal(accepted.status, 200);
      const minorParent = await aged('teenparent', 16);
      const bad = await minorParent.post('POST', '/v1/safety/parent-links', { accountId: teen.accountId });
      assert.equal(bad.body.rule, 'PARENT_MUST_BE_ADULT');

      const asked = await teen.post('PUT', '/v1/safety/settings', { key: 'discoverable', value: true });
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      assert.equal(asked.body.status, 'pending');
      assert.equal(asked.body.rule, 'PARENT_APPROVAL_REQUIRED');
      const waiting = await teen.post('GET', '/v1/safety/me');
      assert.equal(waiting.body.settings.discoverable, false, 'nothing applies before approval');
      assert.equal(waiting.body.pendingApprovals.length, 1);

      // The parent sees that the control exists and what waits, nothing about messages or contacts.
      const view = await parent.post('GET', '/v1/safety/children');
      assert.equal(view.status, 200);
      assert.equal(view.body.children.length, 1);
      const child = view.body.children[0];
      assert.deepEqual(Object.keys(child).sort(), ['accountId', 'band', 'pendingApprovals', 'settings']);
      assert.deepEqual(
        child.pendingApprovals.map((a: { key: string; value: unknown }) => [a.key, a.value]),
        [['discoverable', true]],
      );

      const path = `/v1/safety/approvals/${asked.body.approvalId}`;
      const byStranger = await stranger.post('POST', path, { decision: 'approve' });
      assert.equal(byStranger.status, 404);
      assert.equal(byStranger.body.code, 'APPROVAL_NOT_FOUND');
      const byTeen = await teen.post('POST', path, { decision: 'approve' });
      assert.equal(byTeen.status, 404, 'a child cannot approve their own request');

      const approved = await parent.post('POST', path, { decision: 'approve' });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.status, 'applied');
      const after = await teen.post('GET', '/v1/safety/me');
      assert.equal(after.body.settings.discoverable, true);
      assert.deepEqual(after.body.pendingApprovals, []);
      const twice = await parent.post('POST', path, { decision: 'approve' });
      assert.equal(twice.body.code, 'APPROVAL_NOT_FOUND');

      // Tightening never waits; open DMs are not available under 16 at all.
      const tighten = await teen.post('PUT', '/v1/safety/settings', { key: 'discoverable', value: false });
      assert.equal(tighten.status, 200);
      assert.equal(tighten.body.status, 'applied');
      const dms = await teen.post('PUT', '/v1/safety/settings', { key: 'messagesFrom', value: 'everyone' });
      assert.equal(dms.body.rule, 'NOT_AVAILABLE_UNDER_16');
      const nonsense = await teen.post('PUT', '/v1/safety/settings', {
        key: 'messagesFrom',
        value: 'friends',
      });
      assert.equal(nonsense.status, 400);
      assert.equal(nonsense.body.code, 'SETTING_INVALID');

      // A declined request leaves the setting as it was.
      const again = await teen.post('PUT', '/v1/safety/settings', { key: 'mediaFrom', value: 'everyone' });
      const declined = await parent.post('POST', `/v1/safety/approvals/${again.body.approvalId}`, {
        decision: 'decline',
      });
      assert.equal(declined.body.status, 'declined');
      assert.equal((await teen.post('GET', '/v1/safety/me')).body.settings.mediaFrom, 'contacts');
    });

    it('refuses an age-band change after signup without age assurance, in either direction', async () => {
      const teen = await aged('teen', 15);
      const older = await teen.post('PUT', '/v1/safety/birth-date', { dateOfBirth: bornYearsAgo(25) });
      assert.equal(older.status, 403);
      assert.equal(older.body.code, 'AGE_BAND_CHANGE_NEEDS_ASSURANCE');
      assert.equal((await teen.post('GET', '/v1/safety/me')).body.band, 'teen13to15');
      // A correction inside the band is fine.
      const fixed = await teen.post('PUT', '/v1/safety/birth-date', {
        dateOfBirth: `${thisYear - 14}-03-01`,
      });
      assert.equal(fixed.status, 200, JSON.stringify(fixed.body));

      const adult = await aged('adult', 30);
      const younger = await adult.post('PUT', '/v1/safety/birth-date', { dateOfBirth: bornYearsAgo(14) });
      assert.equal(younger.body.code, 'AGE_BAND_CHANGE_NEEDS_ASSURANCE');
      const legacy = await aged('legacy');
      const claim = await legacy.post('PUT', '/v1/safety/birth-date', { dateOfBirth: bornYearsAgo(14) });
      assert.equal(
        claim.body.code,
        'AGE_BAND_CHANGE_NEEDS_ASSURANCE',
        'an undeclared account starts as an adult',
      );

      // With the hook vouching for the new band the change applies, and minors get minor defaults.
      assured.set(adult.accountId, { method: 'id-document', band: 'teen16to17', verified: true });
      const vouched = await adult.post('PUT', '/v1/safety/birth-date', { dateOfBirth: bornYearsAgo(17) });
      assert.equal(vouched.status, 200, JSON.stringify(vouched.body));
      assert.equal(vouched.body.band, 'teen16to17');
      assert.equal(vouched.body.assured, 'id-document');
      assert.equal(vouched.body.settings.messagesFrom, 'contacts');
      const future = await adult.post('PUT', '/v1/safety/birth-date', {
        dateOfBirth: `${thisYear + 2}-01-01`,
      });
      assert.equal(future.body.code, 'BIRTH_DATE_INVALID');
    });
  });

  describe(`safety with requireBirthDate (${storage.name})`, () => {
    it('refuses a registration without a date of birth', async () => {
      const data = await sqliteStorage.make();
      const running = await startTestServer(data, { safety: { requireBirthDate: true } });
      try {
        const [, missing] = await registerAged(running.url, 'nodob');
        assert.equal(missing.status, 400);
        assert.equal(missing.body.code, 'BIRTH_DATE_REQUIRED');
        assert.equal(missing.body.field, 'dateOfBirth');
        const [adult, ok] = await registerAged(running.url, 'adult', bornYearsAgo(30));
        assert.equal(ok.status, 201);
        assert.equal((await adult.post('GET', '/v1/safety/me')).body.band, 'adult');
      } finally {
        await running.server.close();
        await data.cleanup();
      }
    });
  });
}
