import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseEther, type Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { acceptTransfer, offerTransfer } from '../../src/chain/deviceOwnership.js';
import { nativeAccount } from '../../src/chain/nativeAccount.js';
import { sendContractTransaction } from '../../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../src/contracts/abis.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { generateDeviceKey, saveDeviceKey, type DeviceKey } from '../../src/sdk/index.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';
import { pythiaAt, runPythia } from './runPythia.js';

const passphrase = 'consent-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);

type ConsentView = {
  consentId: string;
  status: string;
  owner: Address;
  recipient: Address;
  grantedBy: Address;
  devices: Array<{ device: Address; epoch: string; currentEpoch: string; applies: boolean }>;
  streams: string[];
  commands: string[];
  purpose: string;
  expiry: string;
  revokedAt: string | null;
};

describe('consents and data feeds through the CLI', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-consent-'));
  const dataDir = join(dir, 'node');
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  let stack: Stack;
  /** alice owns the devices; bob owns none (then one, by transfer); buyer buys a feed. All funded. */
  const people: Record<'alice' | 'bob' | 'buyer', { key: DeviceKey; file: string }> = {} as never;
  /** Recipients: addresses only, they sign nothing. */
  const researcher = generateDeviceKey().deviceId;
  const insurer = generateDeviceKey().deviceId;
  /** d0, d1: the first consent; d2: changes hands; d3: sold as a feed. */
  const devices = [generateDeviceKey(), generateDeviceKey(), generateDeviceKey(), generateDeviceKey()];
  const d = (i: number) => devices[i]!.deviceId;
  const signer = (who: keyof typeof people) => ['--signer-key', people[who].file];

  const { ok, json, refused } = pythiaAt(dataDir, passphrase);
  const listOf = (...args: string[]): Promise<ConsentView[]> => json(['consent', 'list', ...args]);

  let firstConsent: string;
  let receiptFile: string;

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, mqtt: false, scryptN: LIGHT_SCRYPT.n });
    const clients = createChainClients(stack.deployment);
    for (const name of ['alice', 'bob', 'buyer'] as const) {
      const key = generateDeviceKey();
      const file = join(dir, `${name}.json`);
      await saveDeviceKey(file, key, passphrase, { scryptN: LIGHT_SCRYPT.n });
      await fundOnAnvil(clients.publicClient, key.deviceId);
      people[name] = { key, file };
    }
    // Consents check stream bits against the device profile: class 1 gets the air-quality one.
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    await ok(['profile', 'set', '--class', '1', '--file', profile]);
    // Setup, not under test: the operator registers the devices (it owns them first) and hands them to alice.
    const ownership = stack.deployment.contracts.deviceOwnership!;
    const alice = nativeAccount(people.alice.key.privateKey);
    for (const device of devices) {
      await sendContractTransaction({
        clients,
        account: stack.roles.operator,
        address: stack.deployment.contracts.fleet,
        abi: pythiaFleetAbi,
        functionName: 'registerDevice',
        args: [device.publicKey, 1],
      });
      await offerTransfer({ clients, account: stack.roles.operator, address: ownership, device: device.deviceId, to: alice.address });
      await acceptTransfer({ clients, account: alice, address: ownership, device: device.deviceId });
    }
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants a consent over two devices, lists and shows it, and writes a receipt that verifies', async () => {
    const alice = people.alice.key.deviceId;
    // prettier-ignore
    const granted = await json([
      'consent',
      'grant',
      '--device',
      d(0),
      '--device',
      d(1),
      '--recipient',
      researcher,
      '--streams',
      'pm25,no2',
      '--commands',
      'identify',
      '--purpose',
      'air-quality research',
      '--until',
      '30d',
      ...signer('alice'),
    ]);
    firstConsent = String(granted.consentId);
    assert.equal(granted.owner, alice);
    assert.deepEqual(granted.streams, ['pm25', 'no2']);
    assert.deepEqual(granted.commands, ['identify']);

    receiptFile = join(dir, 'receipt.json');
    // Reads and the receipt, side by side (each run is its own process, ~2 s of start-up).
    const [[listed, ...more], table, shown, missing, written, toStdout] = await Promise.all([
      listOf('--owner', alice),
      ok(['consent', 'list', '--owner', alice]),
      json(['consent', 'show', firstConsent]) as Promise<ConsentView>,
      refused(['consent', 'show', '999'], 1, /no consent 999/),
      json(['consent', 'receipt', firstConsent, '--out', receiptFile]),
      ok(['consent', 'receipt', firstConsent]),
    ]);
    assert.ok(missing);
    assert.equal(more.length, 0);
    assert.equal(listed!.consentId, firstConsent);
    assert.equal(listed!.status, 'live');
    assert.equal(listed!.recipient, researcher);
    assert.deepEqual(
      listed!.devices.map((x) => [x.device, x.applies]),
      [
        [d(0), true],
        [d(1), true],
      ],
    );
    const days = (Date.parse(listed!.expiry) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days, not ${days}`);
    assert.match(table.stdout, new RegExp(`${firstConsent}\\s+live\\s+${alice}\\s+${researcher}\\s+2\\s+pm25,no2\\s+identify`));

    assert.deepEqual(shown, listed);

    assert.equal(written.out, receiptFile);
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
    // Kantara Consent Receipt v1.1 fields
    assert.equal(receipt.version, 'KI-CR-v1.1.0');
    assert.equal(receipt.jurisdiction, 'EU');
    assert.equal(receipt.language, 'en');
    assert.ok(Number.isSafeInteger(receipt.consentTimestamp) && receipt.consentTimestamp > 0);
    assert.equal(typeof receipt.collectionMethod, 'string');
    assert.match(
      receipt.consentReceiptID,
      new RegExp(`^urn:pythia:consent:${stack.deployment.chainId}:0x[0-9a-fA-F]{40}:${firstConsent}$`),
    );
    assert.equal(receipt.piiPrincipalId, alice);
    assert.equal(receipt.piiControllers[0].piiController, researcher);
    assert.equal(receipt.policyUrl, 'urn:pythia:policy:none');
    assert.equal(receipt.services[0].purposes[0].purpose, 'air-quality research');
    assert.equal(receipt.services[0].purposes[0].consentType, 'EXPLICIT');
    assert.deepEqual(receipt.services[0].purposes[0].piiCategory, ['stream:pm25', 'stream:no2', 'command:identify']);
    assert.equal(receipt.sensitive, false);
    assert.deepEqual(receipt.spiCat, []);
    // the pythia block
    assert.equal(receipt.pythia.chainId, stack.deployment.chainId);
    assert.equal(receipt.pythia.contract.toLowerCase(), stack.deployment.contracts.consentRegistry!.toLowerCase());
    assert.equal(receipt.pythia.consentId, firstConsent);
    assert.equal(receipt.pythia.txHash, granted.hash);
    assert.match(receipt.pythia.termsHash, /^0x[0-9a-f]{64}$/);
    assert.equal(receipt.pythia.termsHash, granted.termsHash);
    assert.deepEqual(receipt.pythia.devices, [
      { device: d(0), epoch: '2' },
      { device: d(1), epoch: '2' },
    ]);
    assert.deepEqual(receipt.pythia.streamNames, ['pm25', 'no2']);
    assert.deepEqual(receipt.pythia.commandNames, ['identify']);
    // to stdout without --out: the same receipt
    assert.deepEqual(JSON.parse(toStdout.stdout), receipt);

    const [verified, human] = await Promise.all([
      json(['consent', 'verify-receipt', receiptFile]),
      ok(['consent', 'verify-receipt', receiptFile]),
    ]);
    assert.equal(verified.valid, true, verified.problems.join('; '));
    assert.equal(verified.status, 'live');
    assert.deepEqual(verified.ownershipChanged, []);
    assert.match(human.stdout, /receipt valid/);
    assert.match(human.stdout, /status now: live/);
  });

  it('catches a tampered receipt: non-zero exit and the reason', async () => {
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
    const tamper = async (name: string, change: (r: typeof receipt) => void) => {
      const copy = structuredClone(receipt);
      change(copy);
      const file = join(dir, `tampered-${name}.json`);
      writeFileSync(file, JSON.stringify(copy, null, 2));
      return file;
    };
    const files = await Promise.all([
      tamper('purpose', (r) => {
        r.services[0].purposes[0].purpose = 'marketing';
      }),
      tamper('expiry', (r) => {
        r.pythia.expiry = String(BigInt(r.pythia.expiry) + 365n * 86_400n);
      }),
      tamper('scope', (r) => {
        r.services[0].purposes[0].piiCategory.push('stream:pm10');
        r.pythia.streamNames.push('pm10');
      }),
      tamper('termination', (r) => {
        r.services[0].purposes[0].termination = '2099-01-01T00:00:00.000Z (exclusive)';
      }),
    ]);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, JSON.stringify({ hello: 'world' }));
    const [asJson, notReceipt, ...runs] = await Promise.all([
      pythia(at('consent', 'verify-receipt', files[0]!, '--json')),
      pythia(at('consent', 'verify-receipt', junk)),
      ...files.map((file) => pythia(at('consent', 'verify-receipt', file))),
    ]);
    for (const [i, run] of runs.entries()) {
      assert.equal(run.code, 1, `${files[i]} should fail: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /receipt NOT valid: .*(altered|does not match)/, files[i]);
    }
    assert.match(runs[0]!.stdout, /altered/);
    assert.match(runs[1]!.stdout, /pythia\.expiry/);
    assert.match(runs[2]!.stdout, /services\[0\]\.purposes\[0\]\.piiCategory, pythia\.streamNames do not match the consent on the chain/);
    assert.match(runs[3]!.stdout, /termination does not match/);
    assert.equal(asJson!.code, 1);
    const result = JSON.parse(asJson!.stdout);
    assert.equal(result.valid, false);
    assert.match(result.problems.join(' '), /altered/);

    // Not a receipt at all: a usage error.
    assert.equal(notReceipt!.code, 2);
    assert.match(notReceipt!.stderr, /not a Pythia consent receipt/);
  });

  it('refuses a grant by someone who does not own the devices, and records nothing', async () => {
    // prettier-ignore
    const run = await refused(
      [
        'consent',
        'grant',
        '--device',
        d(0),
        '--recipient',
        insurer,
        '--streams',
        'pm25',
        '--purpose',
        'pricing',
        '--until',
        '7d',
        ...signer('bob'),
      ],
      1,
      /NotDeviceOwner/,
    );
    assert.match(run.stderr, /does not own this device/);
    const [toInsurer, byBob, byAlice] = await Promise.all([
      listOf('--recipient', insurer),
      listOf('--owner', people.bob.key.deviceId),
      listOf('--owner', people.alice.key.deviceId),
    ]);
    assert.deepEqual(toInsurer, []);
    assert.deepEqual(byBob, []);
    assert.equal(byAlice.length, 1);
  });

  it('refuses bad input with exit code 2 and says what is wrong', async () => {
    const grant = (...extra: string[]) => ['consent', 'grant', '--device', d(0), '--purpose', 'x', ...signer('alice'), ...extra];
    const cases: Array<[string[], RegExp]> = [
      [grant('--recipient', researcher, '--streams', 'pm25,co2', '--until', '30d'), /unknown stream "co2": one of pm25, pm10/],
      [grant('--recipient', researcher, '--streams', 'pm25', '--until', '2020-01-01T00:00:00Z'), /--until must be after/],
      [grant('--recipient', researcher, '--streams', 'pm25', '--until', 'soon'), /--until must be an ISO time/],
      [grant('--recipient', '0x1234', '--streams', 'pm25', '--until', '30d'), /not a device id \/ address/],
      [grant('--recipient', researcher, '--until', '30d'), /give --streams and\/or --commands/],
      [grant('--recipient', researcher, '--commands', 'selfdestruct', '--until', '30d'), /unknown command "selfdestruct"/],
      [
        ['feed', 'offer', '--device', d(3), '--streams', 'co2', '--price', '1', '--period', '30d', '--purpose', 'x'],
        /unknown stream "co2"/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => pythia(at(...args))));
    const listed = await listOf('--owner', people.alice.key.deviceId); // after every refused run ended
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    assert.equal(listed.length, 1, 'nothing granted');
  });

  it('revokes every consent of a recipient; a revoked consent’s receipt is valid and says revoked', async () => {
    const alice = people.alice.key.deviceId;
    // prettier-ignore
    const second = await json([
      'consent',
      'grant',
      '--device',
      d(1),
      '--recipient',
      researcher,
      '--streams',
      'pm10',
      '--purpose',
      'calibration study',
      '--until',
      '12h',
      ...signer('alice'),
    ]);
    // prettier-ignore
    const other = await json([
      'consent',
      'grant',
      '--device',
      d(1),
      '--recipient',
      insurer,
      '--commands',
      'report_now',
      '--purpose',
      'claims',
      '--until',
      '1d',
      ...signer('alice'),
    ]);
    assert.deepEqual(
      (await listOf('--recipient', researcher)).map((c) => [c.consentId, c.status]),
      [
        [firstConsent, 'live'],
        [String(second.consentId), 'live'],
      ],
    );

    // bob gave researcher nothing: revoking "all" of his is no error, and touches none of alice's.
    assert.equal((await json(['consent', 'revoke', '--yes', '--recipient', researcher, ...signer('bob')])).count, 0);
    const revoked = await json(['consent', 'revoke', '--yes', '--recipient', researcher, ...signer('alice')]);
    assert.equal(revoked.count, 2);
    assert.deepEqual(revoked.revoked, [String(second.consentId), firstConsent], 'newest first');
    const [byResearcher, toInsurer, , , verified, human] = await Promise.all([
      listOf('--owner', alice, '--recipient', researcher),
      listOf('--recipient', insurer),
      refused(['consent', 'revoke', '--yes', firstConsent, ...signer('alice')], 1, /AlreadyRevoked/),
      refused(['consent', 'revoke', '--yes', String(other.consentId), ...signer('bob')], 1, /NotConsentOwner/),
      // The receipt written while live still verifies: its terms are the chain's; the status is now revoked.
      json(['consent', 'verify-receipt', receiptFile]),
      ok(['consent', 'verify-receipt', receiptFile]),
    ]);
    assert.deepEqual(
      byResearcher.map((c) => c.status),
      ['revoked', 'revoked'],
    );
    assert.ok(byResearcher.every((c) => c.revokedAt !== null));
    assert.deepEqual(
      toInsurer.map((c) => [c.consentId, c.status]),
      [[String(other.consentId), 'live']],
      "another recipient's consent stays live",
    );
    assert.equal(verified.valid, true, verified.problems.join('; '));
    assert.equal(verified.status, 'revoked');
    assert.ok(verified.revokedAt);
    assert.match(human.stdout, /receipt valid/);
    assert.match(human.stdout, /status now: revoked \(revoked at \d{4}-/);
  });

  it('voids consents when a device changes hands', async () => {
    const alice = people.alice.key.deviceId;
    const bob = people.bob.key.deviceId;
    // prettier-ignore
    const granted = await json([
      'consent',
      'grant',
      '--device',
      d(2),
      '--recipient',
      insurer,
      '--streams',
      'temperature,humidity',
      '--purpose',
      'home insurance',
      '--until',
      '30d',
      ...signer('alice'),
    ]);
    const id = String(granted.consentId);
    const file = join(dir, 'receipt-transfer.json');
    await ok(['consent', 'receipt', id, '--out', file]);

    await ok(['device', 'transfer', d(2), '--to', bob, ...signer('alice')]);
    await ok(['device', 'accept', d(2), ...signer('bob')]);

    // prettier-ignore
    const [byAlice, shown, table, byBob, bySignerBob, verified] = await Promise.all([
      listOf('--owner', alice),
      json(['consent', 'show', id]) as Promise<ConsentView>,
      ok(['consent', 'list', '--owner', alice]),
      listOf('--owner', bob),
      listOf(...signer('bob')),
      json(['consent', 'verify-receipt', file]),
      // alice may no longer grant over it
      refused(
        [
          'consent',
          'grant',
          '--device',
          d(2),
          '--recipient',
          insurer,
          '--streams',
          'pm25',
          '--purpose',
          'x',
          '--until',
          '1d',
          ...signer('alice'),
        ],
        1,
        /NotDeviceOwner/,
      ),
    ]);
    const listed = byAlice.find((c) => c.consentId === id)!;
    assert.equal(listed.status, 'ownership-changed');
    assert.deepEqual(
      listed.devices.map((x) => [x.device, x.epoch, x.currentEpoch, x.applies]),
      [[d(2), '2', '3', false]],
    );
    assert.equal(shown.status, 'ownership-changed');
    assert.match(table.stdout, new RegExp(`${id}\\s+ownership-changed`));
    assert.deepEqual(byBob, [], 'the new owner starts with no consents');
    assert.deepEqual(bySignerBob, []);
    assert.equal(verified.valid, true);
    assert.equal(verified.status, 'ownership-changed');
    assert.deepEqual(verified.ownershipChanged, [d(2)]);
  });

  it('sells a feed: offer (approving the market), list, buy, the buyer’s consent, earnings, withdrawal', async () => {
    const alice = people.alice.key.deviceId;
    const buyer = people.buyer.key.deviceId;
    const market = stack.deployment.contracts.feedMarket!;
    assert.ok(market, 'pythia up deploys the feed market');
    // prettier-ignore
    const offer = await ok([
      'feed',
      'offer',
      '--device',
      d(3),
      '--streams',
      'pm25,no2',
      '--price',
      '0.05',
      '--period',
      '30d',
      '--purpose',
      'urban air-quality map',
      ...signer('alice'),
    ]);
    assert.match(offer.stdout, /approved the feed market as your grant agent/);
    const feedId = /^feed (\d+): 1 device\(s\), 0\.05 ETH per 30d/m.exec(offer.stdout)?.[1];
    assert.ok(feedId, offer.stdout);
    // A second offer finds the market approved already: no second approval.
    // prettier-ignore
    const again = await json([
      'feed',
      'offer',
      '--device',
      d(3),
      '--streams',
      'o3',
      '--price',
      '0.01',
      '--period',
      '1d',
      '--purpose',
      'ozone',
      ...signer('alice'),
    ]);
    assert.equal(again.grantAgentApproved, null);

    const [feeds, feedTable] = await Promise.all([
      json(['feed', 'list']),
      ok(['feed', 'list']),
      refused(['feed', 'buy', '--yes', feedId!, ...signer('alice')], 1, /OwnFeed/),
    ]);
    assert.deepEqual(
      feeds.map((f: { feedId: string; owner: Address; streamNames: string[]; price: string; open: boolean }) => [
        f.feedId,
        f.owner,
        f.streamNames,
        f.price,
        f.open,
      ]),
      [
        [feedId, alice, ['pm25', 'no2'], parseEther('0.05').toString(), true],
        [String(again.feedId), alice, ['o3'], parseEther('0.01').toString(), true],
      ],
    );
    assert.match(feedTable.stdout, new RegExp(`${feedId}\\s+${alice}\\s+1\\s+pm25,no2\\s+0\\.05 ETH\\s+30d\\s+open`));

    // Paying and accepting the policy's terms cannot be taken back: without a terminal, only with --yes.
    const { publicClient } = createChainClients(stack.deployment);
    const buyerBalance = await publicClient.getBalance({ address: buyer });
    await refused(['feed', 'buy', feedId!, ...signer('buyer')], 2, /buying feed \d+ for 0\.05 ETH per 30d pays the price .*--yes/);
    assert.equal(await publicClient.getBalance({ address: buyer }), buyerBalance, 'nothing was paid');
    const bought = await json(['feed', 'buy', '--yes', feedId!, ...signer('buyer')]);
    assert.equal(bought.buyer, buyer);
    assert.equal(bought.price, parseEther('0.05').toString());
    assert.equal(bought.expiry - bought.start, 30 * 86_400);

    const boughtReceipt = join(dir, 'receipt-bought.json');
    const [[consent, ...rest], earnings, earningsText] = await Promise.all([
      listOf('--recipient', buyer),
      json(['feed', 'earnings', '--owner', alice]),
      ok(['feed', 'earnings', ...signer('alice')]),
      ok(['consent', 'receipt', String(bought.consentId), '--out', boughtReceipt]),
    ]);
    // The receipt of a bought consent names the market as the grant agent that collected it.
    const receipt = JSON.parse(readFileSync(boughtReceipt, 'utf8'));
    assert.equal(receipt.piiPrincipalId, alice);
    assert.equal(receipt.piiControllers[0].piiController, buyer);
    assert.match(receipt.collectionMethod, /grant agent .*\(grantConsentFor\)/);
    assert.equal(receipt.pythia.grantedBy.toLowerCase(), market.toLowerCase());
    assert.equal(rest.length, 0);
    assert.equal(consent!.consentId, String(bought.consentId));
    assert.equal(consent!.status, 'live');
    assert.equal(consent!.owner, alice);
    assert.equal(consent!.grantedBy.toLowerCase(), market.toLowerCase());
    assert.deepEqual(consent!.streams, ['pm25', 'no2']);
    assert.deepEqual(
      consent!.devices.map((x) => x.device),
      [d(3)],
    );
    assert.equal(consent!.purpose, 'urban air-quality map');

    // Issue #12: the price is held by the market and released as the period is served.
    assert.equal(earnings.amount, '0');
    assert.match(earningsText.stdout, / 0 ETH to withdraw/);
    const [[held], verified] = await Promise.all([
      json(['feed', 'purchases', '--buyer', buyer]),
      json(['consent', 'verify-receipt', boughtReceipt]),
    ]);
    assert.equal(verified.valid, true, verified.problems.join('; '));
    assert.equal(verified.status, 'live');
    assert.equal(held.purchaseId, String(bought.purchaseId));
    assert.equal(held.price, parseEther('0.05').toString());
    assert.equal(held.refunded, '0');
    assert.equal(held.settled, false);

    // The buyer of the ozone feed is protected: alice revokes its consent, the unserved part comes back.
    const ozone = await json(['feed', 'buy', '--yes', String(again.feedId), ...signer('buyer')]);
    await ok(['consent', 'revoke', '--yes', String(ozone.consentId), ...signer('alice')]);
    const refundedNow = await json(['feed', 'settle', '--purchase', String(ozone.purchaseId), ...signer('buyer')]);
    assert.deepEqual(refundedNow.settled, [String(ozone.purchaseId)]);
    const refund = BigInt(refundedNow.refunded);
    assert.ok(refund > parseEther('0.0099') && refund <= parseEther('0.01'), `refunded ${refund} wei of 0.01 ETH`);
    const [ozonePurchase] = (await json(['feed', 'purchases', '--buyer', buyer])).filter(
      (p: { purchaseId: string }) => p.purchaseId === String(ozone.purchaseId),
    );
    assert.equal(ozonePurchase.settled, true);
    assert.equal(BigInt(ozonePurchase.released) + BigInt(ozonePurchase.refunded), parseEther('0.01'), 'served + refunded = paid');
    const refundWithdrawn = await json(['feed', 'refund', ...signer('buyer')]);
    assert.equal(refundWithdrawn.amount, refund.toString());
    await refused(['feed', 'refund', ...signer('buyer')], 1, /no refund to withdraw/);

    // Thirty days on, the 0.05 ETH purchase has been served: alice settles it and withdraws.
    await publicClient.request({ method: 'evm_increaseTime' as never, params: [30 * 86_400 + 60] as never });
    await publicClient.request({ method: 'evm_mine' as never, params: [] as never });
    const settled = await json(['feed', 'settle', ...signer('alice')]);
    assert.deepEqual(settled.settled, [String(bought.purchaseId)]);
    assert.equal(settled.released, parseEther('0.05').toString());
    assert.equal(settled.refunded, '0');
    const due = BigInt((await json(['feed', 'earnings', '--owner', alice])).amount);
    assert.equal(due, parseEther('0.05') + BigInt(ozonePurchase.released), 'the served periods, nothing more');

    const before = await publicClient.getBalance({ address: alice });
    const withdrawn = await json(['feed', 'withdraw', ...signer('alice')]);
    assert.equal(withdrawn.amount, due.toString());
    const afterBalance = await publicClient.getBalance({ address: alice });
    const gained = afterBalance - before;
    assert.ok(gained > due - parseEther('0.001') && gained < due, `alice gained ${gained} wei (${due} less gas)`);
    const [left] = await Promise.all([
      json(['feed', 'earnings', '--owner', alice]),
      refused(['feed', 'withdraw', ...signer('alice')], 1, /NothingToWithdraw|nothing to withdraw/),
    ]);
    assert.equal(left.amount, '0');
  });
  it('adds the consent contracts to a deployment made before they existed, keeping the fleet', async () => {
    await stack.stop();
    const path = join(dataDir, 'deployment.json');
    const old = JSON.parse(readFileSync(path, 'utf8'));
    const suite = [
      'policyRegistry',
      'consentRegistry',
      'accessLog',
      'feedMarket',
      'recipientTerms',
      'recipientBonds',
      'sharingLog',
      'canaryRegistry',
      'deletionRequests',
    ];
    for (const name of suite) delete old.contracts[name];
    writeFileSync(path, JSON.stringify(old));
    await refused(['consent', 'list', '--owner', people.alice.key.deviceId], 1, /consent registry/);

    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    assert.equal(stack.deployed, false);
    assert.equal(stack.deployment.contracts.fleet, old.contracts.fleet);
    const written = JSON.parse(readFileSync(path, 'utf8')).contracts;
    for (const name of suite) assert.match(written[name] ?? '', /^0x[0-9a-fA-F]{40}$/, `${name} added`);
    assert.deepEqual(await json(['consent', 'list', '--owner', people.alice.key.deviceId]), []);
  });
});
