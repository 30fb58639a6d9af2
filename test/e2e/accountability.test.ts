import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseEther, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClients, type ChainClients } from '../../src/chain/clients.js';
import { acceptTransfer, offerTransfer } from '../../src/chain/deviceOwnership.js';
import { nativeAccount } from '../../src/chain/nativeAccount.js';
import { sendContractTransaction } from '../../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi, sharingLogAbi } from '../../src/contracts/abis.js';
import { postSettledReadings, type TestDevice } from '../../src/gateway/testKit.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { streamsToMask } from '../../src/protocol/consentScope.js';
import { fetchConsentedReadings, generateDeviceKey, saveDeviceKey, type DeviceKey } from '../../src/sdk/index.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';
import { pythiaAt, runPythia } from './runPythia.js';
import { advanceAnvilTime } from '../../src/testing/advanceAnvilTime.js';

/**
 * Issues #5 and #12's accountability commands end to end, through the real `pythia` CLI on one node:
 * policies, the recipient's side of a consent (its terms, accepted by the recipient; the gateway
 * serves bond-staking data only after that), recipient bonds locked by accepted obligations, the
 * sharing log, deletion requests (acknowledged, missed and penalised, raised by a revocation; their
 * periods bounded by the terms) and trap streets (canaries given by the gateway, committed on chain
 * with their logged delivery, claimed by the owner, disputed by the recipient, ruled on by the
 * council's arbiter).
 *
 * alice is the council (she owns the device); bob and carol are data recipients; dave is a party
 * bob shares with legally; mallory is where carol's copy turns up.
 */
const passphrase = 'accountability-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);
const policyFile = (name: string) => fileURLToPath(new URL(`../../docs/policies/${name}.json`, import.meta.url));

/**
 * The research example with its read window moved to cover the years around today, so that the
 * test does not depend on the calendar (the example's own window is 2026).
 */
const researchPolicyNow = (dir: string): string => {
  const year = new Date().getUTCFullYear();
  const original = readFileSync(policyFile('research-no-onward-sharing'), 'utf8');
  const text = original
    .replace(/"from": "\d{4}-01-01T00:00:00Z"/, `"from": "${year - 1}-01-01T00:00:00Z"`)
    .replace(/"to": "\d{4}-01-01T00:00:00Z"/, `"to": "${year + 2}-01-01T00:00:00Z"`);
  assert.notEqual(text, original, "the example's time window was not found");
  const file = join(dir, 'research-no-onward-sharing.json');
  writeFileSync(file, text);
  return file;
};

type BondJson = {
  recipient: Address;
  bond: string;
  pending: string;
  availableAt: number;
  held: string;
  lockedUntil: number;
  claimable: string;
};
type DeletionJson = {
  requestId: string;
  consentId: string;
  owner: Address;
  recipient: Address;
  devices: Address[];
  streams: number;
  automatic: boolean;
  status: string;
  deadline: number;
  requestedAt: number;
  closedAt: number;
  evidenceHash: Hex;
};
type CanaryJson = {
  recipient: Address;
  consentId: string;
  device: Address;
  stream: number;
  value: number;
  sequence: string;
  salt: Hex;
  commitment: Hex;
  givenAt: string;
  delivery: { consentId: string; device: Address; recipient: Address; streams: number; readings: number; dataHash: Hex } | null;
};

const READINGS = 40;
const DAY = 86_400;

describe('accountability through the CLI: bonds, sharing, deletion, canaries', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-accountability-'));
  const dataDir = join(dir, 'node');
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  let stack: Stack;
  let clients: ChainClients;
  const people: Record<'alice' | 'bob' | 'carol', { key: DeviceKey; file: string }> = {} as never;
  const address = (who: keyof typeof people) => people[who].key.deviceId;
  const signer = (who: keyof typeof people) => ['--signer-key', people[who].file];
  const dave = generateDeviceKey().deviceId;
  const mallory = generateDeviceKey().deviceId;
  const device = generateDeviceKey();

  const { ok, json, refused } = pythiaAt(dataDir, passphrase);
  const bondOf = (who: Address): Promise<BondJson> => json(['bond', 'show', who]);
  const hash = (byte: string) => `0x${byte.repeat(32)}`;
  const chainNow = async () => Number((await clients.publicClient.getBlock()).timestamp);

  const policies = { sharing: '' as Hex, research: '' as Hex };
  /** bob's consents: onward sharing allowed (partner), forbidden (research), and one to revoke. */
  const consents = { sharing: '', research: '', revoked: '', carol: '' };

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, mqtt: false, scryptN: LIGHT_SCRYPT.n });
    clients = createChainClients(stack.deployment);
    for (const name of ['alice', 'bob', 'carol'] as const) {
      const key = generateDeviceKey();
      const file = join(dir, `${name}.json`);
      await saveDeviceKey(file, key, passphrase, { scryptN: LIGHT_SCRYPT.n });
      await fundOnAnvil(clients.publicClient, key.deviceId);
      people[name] = { key, file };
    }
    // Setup, not under test: the class profile, and the operator registers the device and hands it to alice.
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    await ok(['profile', 'set', '--class', '1', '--file', profile]);
    await sendContractTransaction({
      clients,
      account: stack.roles.operator,
      address: stack.deployment.contracts.fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [device.publicKey, 1],
    });
    const ownership = stack.deployment.contracts.deviceOwnership!;
    await offerTransfer({ clients, account: stack.roles.operator, address: ownership, device: device.deviceId, to: address('alice') });
    await acceptTransfer({ clients, account: nativeAccount(people.alice.key.privateKey), address: ownership, device: device.deviceId });
    // The device posts signed readings through the gateway; they settle on chain. They are alice's from
    // the second after her ownership began (a consent never opens a previous owner's readings).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const testDevice: TestDevice = { account: privateKeyToAccount(device.privateKey), id: device.deviceId, publicKey64: device.publicKey };
    await postSettledReadings(
      stack.gatewayUrl,
      testDevice,
      { chainId: stack.deployment.chainId, verifyingContract: stack.deployment.contracts.fleet },
      READINGS,
    );
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a sharing policy and a no-sharing one, and grants consents under them', async () => {
    // One after the other: two processes sending as alice at once would race for her nonce.
    const sharing = await json(['policy', 'publish', policyFile('partner-logged-sharing'), ...signer('alice')]);
    const research = await json(['policy', 'publish', researchPolicyNow(dir), ...signer('alice')]);
    for (const p of [sharing, research]) {
      assert.match(p.policyId, /^0x[0-9a-f]{64}$/);
      assert.equal(p.gatewayUpload, 'stored');
      assert.equal(p.publisher, address('alice'));
    }
    assert.equal(sharing.terms.onwardSharing, true);
    assert.equal(sharing.terms.notifyOwner, true);
    assert.equal(research.terms.onwardSharing, false);
    assert.equal(research.terms.deleteOnRevoke, true);
    policies.sharing = sharing.policyId;
    policies.research = research.policyId;

    // research-no-onward-sharing: purpose air-quality-research, particulates and NO2, reads inside its window.
    const grant = async (recipient: Address, streams: string, purpose: string, policy: Hex) =>
      String(
        (
          await json([
            'consent',
            'grant',
            '--device',
            device.deviceId,
            '--recipient',
            recipient,
            '--streams',
            streams,
            '--purpose',
            purpose,
            '--policy',
            policy,
            '--until',
            '20d',
            // The readings came before the grant: alice opens that history explicitly.
            '--from',
            '-1d',
            ...signer('alice'),
          ])
        ).consentId,
      );
    consents.sharing = await grant(address('bob'), 'pm25,no2', 'traffic-planning', policies.sharing);
    consents.research = await grant(address('bob'), 'pm25,pm10,no2', 'air-quality-research', policies.research);
    consents.revoked = await grant(address('bob'), 'pm25', 'air-quality-research', policies.research);
    consents.carol = await grant(address('carol'), 'pm25,pm10,no2', 'air-quality-research', policies.research);
    const shown = await json(['consent', 'show', consents.research]);
    assert.equal(shown.status, 'live');
  });

  it('terms: an unsolicited consent carries no penalty; the recipient reads its terms and accepts them', async () => {
    const [terms, human] = await Promise.all([json(['consent', 'terms', consents.research]), ok(['consent', 'terms', consents.research])]);
    assert.equal(terms.accepted, false);
    assert.equal(terms.penaltyWei, parseEther('1').toString(), "the research policy's penalty");
    assert.equal(terms.deletionPeriod, String(30 * DAY), "the research policy's 30 days");
    assert.equal(terms.maxDeletionRequests, 4);
    assert.equal(terms.recipient, address('bob'));
    assert.match(human.stdout, /accepted +no: the consent gives access and carries no penalty/);
    assert.match(human.stdout, /penalty +1 ETH per violation/);

    const [notBob, wrongPenalty] = await Promise.all([
      refused(['consent', 'accept', consents.research, ...signer('carol')], 1, /not the recipient of consent/),
      refused(
        ['consent', 'accept', consents.research, '--penalty', '0.5', ...signer('bob')],
        1,
        /carries a penalty of 1 ETH, not 0\.5 ETH: nothing accepted/,
      ),
    ]);
    assert.ok(notBob && wrongPenalty);
    const accepted = await json(['consent', 'accept', consents.research, '--penalty', '1', ...signer('bob')]);
    assert.equal(accepted.accepted, true);
    assert.match(accepted.transactionHash, /^0x[0-9a-f]{64}$/);
    await refused(['consent', 'accept', consents.research, ...signer('bob')], 1, /AlreadyAccepted/);
    // bob accepts the sharing consent by a signature alice submits (she pays the gas).
    const signedFile = join(dir, 'acceptance.json');
    await ok(['consent', 'accept', consents.sharing, '--sign-only', '--valid-for', '1d', '--out', signedFile, ...signer('bob')]);
    await ok(['consent', 'accept', '--signed', signedFile, ...signer('alice')]);
    assert.equal((await json(['consent', 'terms', consents.sharing])).accepted, true);
  });

  it('bonds: deposit, show, unbond; accepted obligations lock the withdrawal', async () => {
    const deposited = await json(['bond', 'deposit', '--value', '3', ...signer('bob')]);
    assert.equal(deposited.recipient, address('bob'));
    assert.equal(deposited.deposited, parseEther('3').toString());
    assert.equal(deposited.bond, parseEther('3').toString());
    assert.match(deposited.transactionHash, /^0x[0-9a-f]{64}$/);
    const [shown, table, carol] = await Promise.all([
      bondOf(address('bob')),
      ok(['bond', 'show', address('bob')]),
      json(['bond', 'deposit', '--value', '2.5', ...signer('carol')]),
    ]);
    const research = await json(['consent', 'terms', consents.research]);
    assert.equal(shown.bond, parseEther('3').toString());
    assert.equal(shown.pending, '0');
    assert.equal(shown.held, '0');
    assert.equal(shown.claimable, '0');
    assert.equal(
      shown.lockedUntil,
      Date.parse(research.claimsUntil) / 1000 + 30 * DAY + 30 * DAY,
      'claims until + deletion period + 30 days',
    );
    assert.match(table.stdout, /bond +3 ETH\n/);
    assert.match(table.stdout, /unbonding +-\n/);
    assert.match(table.stdout, /locked until +\d{4}-.* \(the last obligation of an accepted consent\)/);
    assert.equal(carol.bond, parseEther('2.5').toString());

    const requested = await json(['bond', 'withdraw-request', '--amount', '0.5', ...signer('bob')]);
    assert.equal(requested.pending, parseEther('0.5').toString());
    assert.equal(requested.availableAt, shown.lockedUntil, 'withdrawable once the obligations end');
    const [afterRequest, early] = await Promise.all([
      bondOf(address('bob')),
      refused(['bond', 'withdraw', ...signer('bob')], 1, /WithdrawalLocked/),
    ]);
    assert.match(early.stderr, /accepted obligations lock the bond/);
    assert.equal(afterRequest.bond, parseEther('2.5').toString(), 'the amount leaves the bond at once');
    assert.equal(afterRequest.pending, parseEther('0.5').toString());
    // carol accepted nothing: her bond is not locked; a withdraw-request over her bond is refused.
    await Promise.all([
      refused(['bond', 'withdraw', ...signer('carol')], 1, /NoWithdrawalPending/),
      refused(['bond', 'withdraw-request', '--amount', '10', ...signer('carol')], 1, /InsufficientBond/),
      refused(['bond', 'claim', ...signer('alice')], 1, /NothingToClaim/),
    ]);
    assert.equal((await bondOf(address('carol'))).lockedUntil, 0);
  });

  it('sharing: logged under the sharing policy (owner notified), refused under the no-sharing one and for a non-recipient', async () => {
    const data = join(dir, 'shared.csv');
    writeFileSync(data, 'pm25,no2\n12.1,30.3\n');
    const logged = await json([
      'share',
      'log',
      consents.sharing,
      '--with',
      dave,
      '--data',
      data,
      '--purpose',
      'traffic model calibration',
      ...signer('bob'),
    ]);
    assert.equal(logged.entryId, '1');
    assert.equal(logged.sharedWith, dave);
    assert.match(logged.dataHash, /^0x[0-9a-f]{64}$/);

    const [listed, table, none, forbidden, stranger, toOwner] = await Promise.all([
      json(['share', 'list', consents.sharing]),
      ok(['share', 'list', consents.sharing]),
      ok(['share', 'list', consents.research]),
      refused(
        ['share', 'log', consents.research, '--with', dave, '--data-hash', hash('ab'), '--purpose', 'resale', ...signer('bob')],
        1,
        /OnwardSharingNotAllowed/,
      ),
      refused(
        ['share', 'log', consents.sharing, '--with', dave, '--data-hash', hash('ab'), '--purpose', 'x', ...signer('carol')],
        1,
        /NotConsentRecipient/,
      ),
      refused(
        ['share', 'log', consents.sharing, '--with', address('alice'), '--data-hash', hash('ab'), '--purpose', 'x', ...signer('bob')],
        1,
        /InvalidSharedWith/,
      ),
    ]);
    assert.match(forbidden.stderr, /policy does not allow onward sharing/);
    assert.match(stranger.stderr, /not the consent's recipient/);
    assert.ok(toOwner);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].entryId, '1');
    assert.equal(listed[0].consentId, consents.sharing);
    assert.equal(listed[0].sharedWith, dave);
    assert.equal(listed[0].dataHash, logged.dataHash);
    assert.ok(Number.isSafeInteger(listed[0].loggedAt) && listed[0].loggedAt > 0);
    assert.match(table.stdout, new RegExp(`^1\\s+${dave}\\s+\\d{4}-\\d\\d-\\d\\dT`, 'm'));
    assert.match(none.stdout, new RegExp(`no shares logged under consent ${consents.research}`));

    // notifyOwner: the owner's indexed notification is on chain.
    const notified = await clients.publicClient.getContractEvents({
      address: stack.deployment.contracts.sharingLog!,
      abi: sharingLogAbi,
      eventName: 'OwnerNotified',
      fromBlock: 0n,
    });
    assert.deepEqual(
      notified.map((e) => [(e.args as { owner: Address }).owner, String((e.args as { consentId: bigint }).consentId)]),
      [[address('alice'), consents.sharing]],
    );
  });

  it('canaries: carol gets data only once she accepts; alice claims a leak, carol disputes, the arbiter rules', async () => {
    const fetchCarol = () =>
      fetchConsentedReadings({
        gatewayUrl: stack.gatewayUrl,
        chainId: stack.deployment.chainId,
        consentRegistry: stack.deployment.contracts.consentRegistry!,
        account: nativeAccount(people.carol.key.privateKey),
        device: device.deviceId,
        consentId: BigInt(consents.carol),
        streams: streamsToMask(['pm25', 'pm10', 'no2']),
      });
    // The research policy stakes a bond: no data before carol has accepted the consent's terms.
    await assert.rejects(fetchCarol(), (error: unknown) =>
      /terms_not_accepted/.test(String((error as { reason?: string }).reason ?? error)),
    );
    await ok(['bond', 'deposit', '--value', '0.5', ...signer('carol')]);
    await ok(['consent', 'accept', consents.carol, ...signer('carol')]);
    const delivered = await fetchCarol();
    assert.equal(delivered.readings.length, READINGS);

    const [canaries, bobLists] = await Promise.all([
      json(['canary', 'list', consents.carol, ...signer('alice')]) as Promise<CanaryJson[]>,
      refused(['canary', 'list', consents.carol, ...signer('bob')], 1, /refused/),
    ]);
    assert.match(bobLists.stderr, /owner/i);
    assert.ok(canaries.length > 0, 'some of carol’s values are canaries');
    for (const c of canaries) {
      assert.equal(c.recipient, address('carol'));
      assert.equal(c.consentId, consents.carol);
      assert.equal(c.device, device.deviceId);
      assert.equal(c.delivery?.dataHash, delivered.dataHash, 'each names the delivery that carried it');
    }
    // Each canary is in carol's copy: her copy is what leaked.
    const found = canaries.find((c) =>
      delivered.readings.some((r) => r.sequence === c.sequence && r.values.some(([m, v]) => m === c.stream && v === c.value)),
    )!;
    assert.ok(found, 'a canary of carol is in her copy');
    // The commitments reach the chain with the gateway's next access-log batches (the delivery first).
    let shown: { commitment: Hex; committedAt: number; claimedAt: number; consentId: string; claim: { status: string } } | undefined;
    for (let i = 0; i < 30; i++) {
      shown = await json(['canary', 'show', found.commitment]);
      if (shown!.committedAt !== 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.notEqual(shown!.committedAt, 0, 'committed on chain');
    assert.equal(shown!.consentId, consents.carol);
    assert.equal(shown!.claim.status, 'none');

    const evidence = join(dir, 'found-at-mallory.json');
    writeFileSync(evidence, JSON.stringify(delivered.readings));
    const carolBefore = await bondOf(address('carol'));
    const claimed = await json([
      'canary',
      'claim',
      found.commitment,
      '--consent',
      consents.carol,
      '--leaked-to',
      mallory,
      '--evidence',
      evidence,
      ...signer('alice'),
    ]);
    assert.equal(claimed.commitment, found.commitment);
    assert.equal(claimed.leakedTo, mallory);
    assert.equal(claimed.penalty, parseEther('1').toString(), "the research policy's penalty");
    assert.equal(claimed.held, parseEther('1').toString());
    const [carolHeld, again, early] = await Promise.all([
      bondOf(address('carol')),
      refused(
        [
          'canary',
          'claim',
          found.commitment,
          '--consent',
          consents.carol,
          '--leaked-to',
          mallory,
          '--evidence-hash',
          hash('cd'),
          ...signer('alice'),
        ],
        1,
        /AlreadyClaimed/,
      ),
      refused(['canary', 'settle', found.commitment], 1, /NotSettleable/),
    ]);
    assert.equal(BigInt(carolBefore.bond) - BigInt(carolHeld.bond), parseEther('1'), 'out of the bond');
    assert.equal(carolHeld.held, parseEther('1').toString(), 'held, not paid');
    assert.ok(again && early);

    // carol disputes; only the arbiter (the council: the node's admin key) rules; it upholds.
    const answer = join(dir, 'carol-answer.txt');
    writeFileSync(answer, 'that copy is not ours');
    await ok(['canary', 'dispute', found.commitment, '--answer', answer, ...signer('carol')]);
    await refused(['canary', 'resolve', '--yes', found.commitment, '--uphold', ...signer('bob')], 1, /AccessControlUnauthorizedAccount/);
    const aliceBefore = await clients.publicClient.getBalance({ address: address('alice') });
    const ruling = await json(['canary', 'resolve', '--yes', found.commitment, '--uphold']);
    assert.equal(ruling.outcome, 'upheld');
    assert.equal(ruling.paid, parseEther('1').toString());
    assert.equal((await clients.publicClient.getBalance({ address: address('alice') })) - aliceBefore, parseEther('1'), 'alice is paid');
    const [carolAfter, human] = await Promise.all([bondOf(address('carol')), ok(['canary', 'show', found.commitment])]);
    assert.equal(carolAfter.held, '0');
    assert.match(human.stdout, new RegExp(`claim +upheld, leaked to ${mallory}`));
  });

  it('deletion: a request acknowledged in time, one that lapses and is enforced once by anyone', async () => {
    // The research consent's terms give bob 30 days for any deletion request: an earlier deadline is refused.
    await refused(['deletion', 'request', consents.research, '--deadline', '+2d', ...signer('alice')], 1, /DeadlineTooSoon/);
    const requested = await json(['deletion', 'request', consents.research, '--deadline', '+31d', ...signer('alice')]);
    const first = String(requested.requestId);
    assert.equal(requested.consentId, consents.research);
    const [early, notBob, shown] = await Promise.all([
      refused(['deletion', 'enforce', first, ...signer('carol')], 1, /DeadlineNotPassed/),
      refused(['deletion', 'ack', first, '--evidence-hash', hash('ee'), ...signer('carol')], 1, /NotRequestRecipient/),
      json(['deletion', 'show', first]) as Promise<DeletionJson>,
    ]);
    assert.match(early.stderr, /the deadline has not passed yet/);
    assert.ok(notBob);
    assert.equal(shown.status, 'pending');
    assert.equal(shown.owner, address('alice'));
    assert.equal(shown.recipient, address('bob'));
    assert.deepEqual(shown.devices, [], 'every device of the consent');
    assert.equal(shown.automatic, false);
    assert.equal(shown.deadline, Number(requested.deadline));

    const acked = await json(['deletion', 'ack', first, '--evidence-hash', hash('ee'), ...signer('bob')]);
    assert.equal(acked.requestId, first);
    const [afterAck, human] = await Promise.all([
      json(['deletion', 'show', first]) as Promise<DeletionJson>,
      ok(['deletion', 'show', first]),
    ]);
    assert.equal(afterAck.status, 'acknowledged');
    assert.equal(afterAck.evidenceHash, hash('ee'));
    assert.ok(afterAck.closedAt > 0);
    assert.match(human.stdout, /status +acknowledged at \d{4}-/);
    assert.match(human.stdout, new RegExp(`evidence +${hash('ee')}`));

    // A second request, under the sharing consent (penalty 0.25 ETH, the registry's minimum of 1 day), that bob lets lapse.
    const second = String((await json(['deletion', 'request', consents.sharing, '--deadline', '+2d', ...signer('alice')])).requestId);
    await advanceAnvilTime(clients.publicClient, 3 * DAY);

    const bobBefore = await bondOf(address('bob'));
    const aliceBefore = await clients.publicClient.getBalance({ address: address('alice') });
    const [late, closed] = await Promise.all([
      refused(['deletion', 'ack', second, '--evidence-hash', hash('ee'), ...signer('bob')], 1, /DeadlinePassed/),
      refused(['deletion', 'enforce', first, ...signer('carol')], 1, /RequestClosed/),
    ]);
    assert.ok(late && closed);
    // carol enforces: the penalty goes to alice, not to her.
    const enforced = await json(['deletion', 'enforce', second, ...signer('carol')]);
    assert.equal(enforced.penalty, parseEther('0.25').toString());
    assert.equal(enforced.paid, parseEther('0.25').toString());
    const [bobAfter, listed, again] = await Promise.all([
      bondOf(address('bob')),
      json(['deletion', 'show', '--consent', consents.sharing]) as Promise<DeletionJson[]>,
      refused(['deletion', 'enforce', second, ...signer('carol')], 1, /RequestClosed/),
    ]);
    assert.ok(again);
    assert.equal(BigInt(bobBefore.bond) - BigInt(bobAfter.bond), parseEther('0.25'));
    assert.equal((await clients.publicClient.getBalance({ address: address('alice') })) - aliceBefore, parseEther('0.25'));
    assert.deepEqual(
      listed.map((r) => [r.requestId, r.status]),
      [[second, 'penalised']],
    );
  });

  it('revoking a consent whose policy deletes on revoke raises a deletion request by itself', async () => {
    const [none] = await Promise.all([ok(['deletion', 'show', '--consent', consents.revoked])]);
    assert.match(none.stdout, new RegExp(`no deletion requests under consent ${consents.revoked}`));
    await ok(['consent', 'revoke', '--yes', consents.revoked, ...signer('alice')]);
    const now = await chainNow();
    const [listed, table] = await Promise.all([
      json(['deletion', 'show', '--consent', consents.revoked]) as Promise<DeletionJson[]>,
      ok(['deletion', 'show', '--consent', consents.revoked]),
    ]);
    assert.equal(listed.length, 1);
    const [auto] = listed;
    assert.equal(auto!.automatic, true);
    assert.equal(auto!.status, 'pending');
    assert.equal(auto!.owner, address('alice'));
    assert.equal(auto!.recipient, address('bob'));
    assert.ok(Math.abs(auto!.deadline - (now + 30 * DAY)) <= 5, 'deletionPeriodDays 30 of the research policy');
    assert.match(table.stdout, new RegExp(`^${auto!.requestId}\\s+pending\\s+\\S+\\s+yes$`, 'm'));
    const single = await ok(['deletion', 'show', auto!.requestId]);
    assert.match(single.stdout, /\(raised by the revocation\)/);
  });

  it('refuses bad input with exit code 2 and says what is wrong', async () => {
    const c = consents.sharing;
    const cases: Array<[string[], RegExp]> = [
      [['bond', 'deposit', '--value', '0', ...signer('bob')], /must be above 0/],
      [['bond', 'deposit', '--value', 'lots', ...signer('bob')], /must be an amount in ether, e\.g\. 0\.05, got "lots"/],
      [['bond', 'deposit', '--value', '1'], /--signer-key <keystore> is required/],
      [['bond', 'show', '0x1234'], /not a device id \/ address/],
      [['share', 'log', 'abc', '--with', dave, '--data-hash', hash('ab'), '--purpose', 'x'], /<consentId> must be a positive integer/],
      [['share', 'log', c, '--with', '0x12', '--data-hash', hash('ab'), '--purpose', 'x'], /not a device id \/ address/],
      [['share', 'log', c, '--with', dave, '--data-hash', '0x1234', '--purpose', 'x'], /32 bytes of hex/],
      [['share', 'log', c, '--with', dave, '--purpose', 'x', ...signer('bob')], /give exactly one of --data-hash <0x…> and --data <file>/],
      [
        ['share', 'log', c, '--with', dave, '--data-hash', hash('ab'), '--purpose', ' ', ...signer('bob')],
        /--purpose must be 1 to 256 bytes/,
      ],
      [['share', 'list', '0'], /<consentId> must be a positive integer, got "0"/],
      [['deletion', 'request', c, '--deadline', 'tomorrow', ...signer('alice')], /--deadline must be an ISO time .*\+7d/],
      [['deletion', 'request', c, '--deadline', '2001-01-01T00:00:00Z', ...signer('alice')], /must be in the future/],
      [['deletion', 'request', c, '--deadline', '+2d', '--device', 'nope', ...signer('alice')], /not a device id/],
      [
        ['deletion', 'request', c, '--deadline', '+2d', '--from', '1700000000', '--to', '1600000000', ...signer('alice')],
        /--from must not be after --to/,
      ],
      [['deletion', 'ack', '1', '--evidence-hash', hash('00'), ...signer('bob')], /must not be zero/],
      [['deletion', 'ack', '1', ...signer('bob')], /give exactly one of --evidence-hash/],
      [['deletion', 'enforce', '1.5'], /<requestId> must be a positive integer/],
      [['deletion', 'show'], /give a <requestId> or --consent <id>/],
      [['canary', 'list', 'abc', ...signer('alice')], /consentId must be a positive integer/],
      [['canary', 'show', '0x12'], /32 bytes of hex/],
      [
        ['canary', 'claim', hash('ab'), '--consent', consents.carol, '--evidence-hash', hash('ab'), ...signer('alice')],
        /required option '--leaked-to <address>'/,
      ],
      [
        ['canary', 'claim', hash('ab'), '--consent', consents.carol, '--leaked-to', mallory, ...signer('alice')],
        /give exactly one of --evidence-hash/,
      ],
      [['canary', 'dispute', hash('ab'), ...signer('carol')], /give exactly one of --answer-hash/],
      [['canary', 'resolve', hash('ab')], /give exactly one of --uphold and --reject/],
      [['consent', 'accept', '0', ...signer('bob')], /<consentId> must be a positive integer/],
      [['consent', 'accept', c, '--penalty', 'lots', ...signer('bob')], /--penalty must be an amount in ether/],
    ];
    // Four at a time: each is a process of its own, and there are two cores.
    const runs: Awaited<ReturnType<typeof pythia>>[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => pythia(at(...args))))));
    }
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    // Well-formed but unknown: not a usage error, a plain refusal.
    await Promise.all([
      refused(['deletion', 'show', '999'], 1, /no deletion request has the id 999/),
      refused(
        ['deletion', 'request', '999', '--deadline', '+2d', ...signer('alice')],
        1,
        /unknown consent \(consent id 999\).*\[UnknownConsent\]/,
      ),
      refused(['deletion', 'ack', '999', '--evidence-hash', hash('ab'), ...signer('bob')], 1, /UnknownRequest/),
      refused(
        ['share', 'log', '999', '--with', dave, '--data-hash', hash('ab'), '--purpose', 'x', ...signer('bob')],
        1,
        /unknown consent \(consent id 999\): no consent has this id \[UnknownConsent\]/,
      ),
    ]);
  });
});
