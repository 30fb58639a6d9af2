import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keccak256, parseEther, toHex, type Address, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { accessLogAbi, canaryRegistryAbi, consentRegistryAbi, recipientBondsAbi, recipientTermsAbi } from '../../contracts/abis.js';
import { canaryCommitment, makeCanary } from '../../protocol/canary.js';
import { deliveryBatchRoot, deliveryProof } from '../../protocol/deliveryBatch.js';
import { deliveryKey, termsAcceptanceDigest, type DeliveryEntry } from '../../protocol/recipientTerms.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { createChainClients, type ChainClients } from '../clients.js';
import { grantConsent } from '../consent/index.js';
import { nativeAccount } from '../nativeAccount.js';
import { ContractRefusal } from '../sendContractTransaction.js';
import {
  acceptTerms,
  acceptTermsWithSignature,
  claimLeak,
  claimPenalty,
  commitCanaries,
  depositBond,
  disputeLeak,
  readBond,
  readCanary,
  readTerms,
  requestBondWithdrawal,
  resolveLeak,
  settleLeak,
  signTermsAcceptance,
  withdrawBond,
} from './index.js';

const secret: Hex = `0x${'c4'.repeat(32)}`;
const refusedWith = (name: string) => (e: unknown) => e instanceof ContractRefusal && e.errorName === name;

describe('accountability chain modules on a real chain', { timeout: 240_000 }, () => {
  let chain: TestChain;
  let clients: ChainClients;
  let c: { recipientBonds: Address; sharingLog: Address; canaryRegistry: Address; deletionRequests: Address; recipientTerms: Address };
  let recipient: LocalAccount;
  let device: Address;

  const fund = (address: Address) =>
    clients.publicClient.request({ method: 'anvil_setBalance' as never, params: [address, `0x${parseEther('10').toString(16)}`] as never });
  const elapse = async (seconds: number) => {
    await clients.publicClient.request({ method: 'evm_increaseTime' as never, params: [seconds] as never });
    await clients.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
  };
  const now = async () => (await clients.publicClient.getBlock()).timestamp;
  /** The operator (owner of the test device) grants `to` pm25 of the device for 30 days. */
  const grant = async (to: Address) =>
    (
      await grantConsent({
        clients,
        account: chain.operator,
        address: chain.consentAddress,
        recipient: to,
        devices: [device],
        streams: 1,
        commands: 0,
        purpose: 'accountability test',
        expiry: (await now()) + 30n * 86_400n,
      })
    ).consentId;

  before(async () => {
    chain = await startTestChain();
    clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    const k = chain.deployment.contracts;
    c = {
      recipientBonds: k.recipientBonds!,
      sharingLog: k.sharingLog!,
      canaryRegistry: k.canaryRegistry!,
      deletionRequests: k.deletionRequests!,
      recipientTerms: k.recipientTerms!,
    };
    recipient = nativeAccount(generatePrivateKey());
    await fund(recipient.address);
    const deviceAccount = nativeAccount(generatePrivateKey());
    await chain.registerDevice(`0x${deviceAccount.publicKey.slice(4)}` as Hex);
    device = deviceAccount.address;
  });

  after(async () => {
    await chain?.stop();
  });

  it('computes the same canary commitment, delivery key and acceptance digest as the contracts', async () => {
    for (const [reading, sequence, stream] of [
      [1233, 77n, 0],
      [-3999, 1n, 4],
      [0, (1n << 64n) - 1n, 255],
    ] as const) {
      const canary = makeCanary({
        secret,
        recipient: recipient.address,
        consentId: 12n,
        device,
        stream,
        sequence,
        reading,
        min: -4000,
        max: 6000,
      });
      const onChain = await clients.publicClient.readContract({
        address: c.canaryRegistry,
        abi: canaryRegistryAbi,
        functionName: 'canaryCommitment',
        args: [canary],
      });
      assert.equal(onChain, canary.commitment);
      assert.equal(canaryCommitment(canary), onChain);
    }
    const delivery: DeliveryEntry = {
      consentId: 7n,
      device,
      recipient: recipient.address,
      streams: 5,
      readings: 12,
      dataHash: keccak256(toHex('data')),
    };
    const key = await clients.publicClient.readContract({
      address: chain.accessLogAddress,
      abi: accessLogAbi,
      functionName: 'deliveryKey',
      args: [delivery],
    });
    assert.equal(deliveryKey(delivery), key);
    // the delivery batch tree (issue #12): the contract's root for batches of 1 to 9 entries
    for (let n = 1; n <= 9; n++) {
      const batch = Array.from({ length: n }, (_, i) => ({ ...delivery, consentId: BigInt(i + 1), readings: i }));
      const root = await clients.publicClient.readContract({
        address: chain.accessLogAddress,
        abi: accessLogAbi,
        functionName: 'batchRootOf',
        args: [batch],
      });
      assert.equal(deliveryBatchRoot(batch), root, `root of ${n}`);
    }

    const consentId = await grant(recipient.address);
    const { terms } = await readTerms({ publicClient: clients.publicClient, address: c.recipientTerms, consentId });
    const digest = await clients.publicClient.readContract({
      address: c.recipientTerms,
      abi: recipientTermsAbi,
      functionName: 'acceptanceDigest',
      args: [terms, 99n],
    });
    assert.equal(termsAcceptanceDigest({ chainId: chain.chainId, recipientTerms: c.recipientTerms, terms, deadline: 99n }), digest);
  });

  it('wires the roles as docs/operations.md says: timelock admin, fixed slashers, relayer committing and logging, council arbiter', async () => {
    const read = clients.publicClient.readContract as (p: unknown) => Promise<unknown>;
    const hasRole = async (address: Address, abi: readonly unknown[], roleName: string, account: Address) =>
      read({ address, abi, functionName: 'hasRole', args: [await read({ address, abi, functionName: roleName }), account] });
    const timelock = chain.deployment.contracts.timelock!;
    assert.equal(await hasRole(c.canaryRegistry, canaryRegistryAbi, 'COMMITTER_ROLE', chain.relayer.address), true);
    assert.equal(await hasRole(c.canaryRegistry, canaryRegistryAbi, 'ARBITER_ROLE', chain.admin.address), true);
    assert.equal(await hasRole(chain.accessLogAddress, accessLogAbi, 'LOGGER_ROLE', chain.relayer.address), true);
    for (const [address, abi] of [
      [c.canaryRegistry, canaryRegistryAbi],
      [chain.accessLogAddress, accessLogAbi],
      [chain.consentAddress, consentRegistryAbi],
    ] as const) {
      assert.equal(
        String(await read({ address, abi, functionName: 'defaultAdmin' })).toLowerCase(),
        timelock.toLowerCase(),
        `${address}: the timelock is the admin`,
      );
      assert.equal(await hasRole(address, abi, 'DEFAULT_ADMIN_ROLE', chain.admin.address), false, 'the admin key is not');
    }
    for (const slasher of [c.canaryRegistry, c.deletionRequests]) {
      assert.equal(await read({ address: c.recipientBonds, abi: recipientBondsAbi, functionName: 'isSlasher', args: [slasher] }), true);
    }
    for (const stranger of [c.sharingLog, chain.relayer.address, chain.admin.address]) {
      assert.equal(await read({ address: c.recipientBonds, abi: recipientBondsAbi, functionName: 'isSlasher', args: [stranger] }), false);
    }
    const hook = await read({ address: chain.consentAddress, abi: consentRegistryAbi, functionName: 'revocationHook' });
    assert.equal(String(hook).toLowerCase(), c.deletionRequests.toLowerCase());
  });

  it('accepts terms by its own transaction or a signature anyone submits; the acceptance locks the bond', async () => {
    const write = { clients, account: recipient, address: c.recipientBonds };
    await depositBond({ ...write, value: parseEther('2') });
    await requestBondWithdrawal({ ...write, amount: parseEther('0.5') });
    let state = await readBond({ publicClient: clients.publicClient, address: c.recipientBonds, recipient: recipient.address });
    assert.equal(state.bond, parseEther('1.5'));
    assert.equal(state.pending, parseEther('0.5'));
    assert.equal(state.lockedUntil, 0n, 'no accepted obligation yet');
    await withdrawBond(write); // nothing at stake: at once
    state = await readBond({ publicClient: clients.publicClient, address: c.recipientBonds, recipient: recipient.address });
    assert.equal(state.pending, 0n);

    const consentId = await grant(recipient.address);
    const before = await readTerms({ publicClient: clients.publicClient, address: c.recipientTerms, consentId });
    assert.equal(before.acceptedAt, 0n, 'an unsolicited consent carries no penalty');
    assert.equal(before.terms.penaltyWei, parseEther('0.1'), 'no policy: the default penalty, once accepted');
    assert.equal(before.terms.deletionPeriod, 86_400n, 'the registry minimum');
    await assert.rejects(
      acceptTerms({ clients, account: chain.operator, address: c.recipientTerms, consentId }),
      refusedWith('NotConsentRecipient'),
    );
    await assert.rejects(
      acceptTerms({ clients, account: recipient, address: c.recipientTerms, consentId, expected: { ...before.terms, penaltyWei: 1n } }),
      /differ from the ones given in: penaltyWei/,
    );
    await acceptTerms({ clients, account: recipient, address: c.recipientTerms, consentId, expected: before.terms });
    const after = await readTerms({ publicClient: clients.publicClient, address: c.recipientTerms, consentId });
    assert.ok(after.acceptedAt > 0n);
    state = await readBond({ publicClient: clients.publicClient, address: c.recipientBonds, recipient: recipient.address });
    assert.equal(
      state.lockedUntil,
      after.claimsUntil + 86_400n + 30n * 86_400n,
      'expiry + claim window + deletion period + enforcement window',
    );
    await requestBondWithdrawal({ ...write, amount: parseEther('0.5') });
    await assert.rejects(withdrawBond(write), refusedWith('WithdrawalLocked'));
    await assert.rejects(claimPenalty(write), refusedWith('NothingToClaim'));

    // a second recipient signs; the owner submits
    const signer = nativeAccount(generatePrivateKey());
    const signed = await grant(signer.address);
    const { terms } = await readTerms({ publicClient: clients.publicClient, address: c.recipientTerms, consentId: signed });
    const deadline = (await now()) + 3_600n;
    const signature = await signTermsAcceptance({
      account: signer,
      chainId: chain.chainId,
      recipientTerms: c.recipientTerms,
      terms,
      deadline,
    });
    await assert.rejects(
      acceptTermsWithSignature({ clients, account: chain.operator, address: c.recipientTerms, terms, deadline: deadline + 1n, signature }),
      refusedWith('InvalidSignature'),
    );
    await acceptTermsWithSignature({ clients, account: chain.operator, address: c.recipientTerms, terms, deadline, signature });
    assert.ok((await readTerms({ publicClient: clients.publicClient, address: c.recipientTerms, consentId: signed })).acceptedAt > 0n);
  });

  it('a leak claim names a logged delivery, holds the penalty, and is settled by the arbiter or the window', async () => {
    const leaker = nativeAccount(generatePrivateKey());
    await fund(leaker.address);
    await depositBond({ clients, account: leaker, address: c.recipientBonds, value: parseEther('1') });
    const consentId = await grant(leaker.address);
    await acceptTerms({ clients, account: leaker, address: c.recipientTerms, consentId });

    // the gateway's part: log a delivery (as the relayer), commit two canaries it carried
    const delivery: DeliveryEntry = {
      consentId,
      device,
      recipient: leaker.address,
      streams: 1,
      readings: 2,
      dataHash: keccak256(toHex('delivered')),
    };
    const hash = await clients
      .walletClient(chain.relayer)
      .writeContract({ address: chain.accessLogAddress, abi: accessLogAbi, functionName: 'logDeliveries', args: [[delivery]] });
    await clients.publicClient.waitForTransactionReceipt({ hash });
    const canaries = [1n, 2n].map((sequence) =>
      makeCanary({ secret, recipient: leaker.address, consentId, device, stream: 0, sequence, reading: 120, min: 0, max: 5000 }),
    );
    // the AccessLog stored the batch's root; each canary proves its delivery against it
    const proof = deliveryProof([delivery], 0);
    assert.equal(
      await clients.publicClient.readContract({
        address: chain.accessLogAddress,
        abi: accessLogAbi,
        functionName: 'batchRootOf',
        args: [[delivery]],
      }),
      proof.batchRoot,
    );
    const never = { ...delivery, dataHash: keccak256(toHex('no such delivery')) };
    const stray = { commitment: keccak256(toHex('never delivered')), delivery: deliveryProof([never], 0) };
    const [committed] = await commitCanaries({
      clients,
      account: chain.relayer,
      address: c.canaryRegistry,
      canaries: [...canaries.map((k) => ({ commitment: k.commitment, delivery: proof })), stray],
    });
    assert.deepEqual(committed!.refused, [stray.commitment], 'a canary of an unlogged delivery is refused');
    assert.equal(
      (await readCanary({ publicClient: clients.publicClient, address: c.canaryRegistry, commitment: canaries[0]!.commitment }))
        .deliveryKey,
      deliveryKey(delivery),
    );

    const xavier = nativeAccount(generatePrivateKey()).address;
    const erin = nativeAccount(generatePrivateKey()).address;
    const owner = { clients, account: chain.operator, address: c.canaryRegistry };
    const first = await claimLeak({ ...owner, canary: canaries[0]!, delivery, leakedTo: xavier, evidenceHash: keccak256(toHex('found')) });
    assert.equal(first.held, parseEther('0.1'));
    assert.equal(
      (await readBond({ publicClient: clients.publicClient, address: c.recipientBonds, recipient: leaker.address })).held,
      parseEther('0.1'),
    );
    await assert.rejects(settleLeak({ ...owner, commitment: first.commitment }), refusedWith('NotSettleable'));
    await disputeLeak({
      clients,
      account: leaker,
      address: c.canaryRegistry,
      commitment: first.commitment,
      answerHash: keccak256(toHex('not us')),
    });
    await assert.rejects(
      resolveLeak({ ...owner, commitment: first.commitment, upheld: true }),
      refusedWith('AccessControlUnauthorizedAccount'),
    );
    const ruling = await resolveLeak({
      clients,
      account: chain.admin,
      address: c.canaryRegistry,
      commitment: first.commitment,
      upheld: false,
    });
    assert.equal(ruling.outcome, 'rejected');
    assert.equal(
      (await readCanary({ publicClient: clients.publicClient, address: c.canaryRegistry, commitment: first.commitment })).claim.status,
      'rejected',
    );

    const second = await claimLeak({ ...owner, canary: canaries[1]!, delivery, leakedTo: erin, evidenceHash: keccak256(toHex('found 2')) });
    await elapse(14 * 86_400 + 1);
    const ownerBefore = await clients.publicClient.getBalance({ address: chain.operator.address });
    const settled = await settleLeak({ clients, account: chain.relayer, address: c.canaryRegistry, commitment: second.commitment });
    assert.equal(settled.outcome, 'upheld');
    assert.equal(settled.paid, parseEther('0.1'));
    assert.equal(
      await clients.publicClient.getBalance({ address: chain.operator.address }),
      ownerBefore + parseEther('0.1'),
      'the owner is paid',
    );
  });
});
