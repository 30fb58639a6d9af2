import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keccak256, parseEther, stringToHex, type Address } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { acceptTerms, claimLeak, depositBond, readBond, readCanary, settleLeak } from '../../chain/accountability/index.js';
import { deliveryKey } from '../../protocol/recipientTerms.js';
import { createChainClients, type ChainClients } from '../../chain/clients.js';
import { grantConsent } from '../../chain/consent/index.js';
import { nativeAccount } from '../../chain/nativeAccount.js';
import { ContractRefusal } from '../../chain/sendContractTransaction.js';
import { streamsToMask } from '../../protocol/consentScope.js';
import { fetchConsentedReadings, GatewayRejection, queryCanaries, type GivenCanary } from '../../sdk/index.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { canarySecretOf } from './canaryIssuer.js';
import { startTestGateway } from '../../testing/testGateway.js';
import type { RunningGateway } from '../server.js';
import { newTestDevice, postSettledReadings, typicalAirQuality, type TestDevice } from '../testKit.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';

/**
 * Trap streets, the whole chain of events on a real gateway and chain: two recipients receive
 * the same readings with different canaries; the gateway commits the canaries on chain; one
 * recipient's copy turns up at a party it never logged a share to; the owner finds the canary in
 * it, reveals the commitment (naming the logged delivery that carried it), the penalty is held from
 * the leaking recipient's bond, and paid to the owner once the dispute window has passed.
 */
let chain: TestChain;
let clients: ChainClients;
let gateway: RunningGateway;
let device: TestDevice;
const leaker = nativeAccount(generatePrivateKey());
const honest = nativeAccount(generatePrivateKey());
const party = nativeAccount(generatePrivateKey()).address; // where the leaked copy turns up
const STREAMS = streamsToMask(['pm25', 'pm10', 'no2', 'o3']);
const READINGS = 12;
const consents = new Map<Address, bigint>();

before(async () => {
  chain = await startTestChain();
  clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
  gateway = await startTestGateway(chain, { canarySecret: canarySecretOf(generatePrivateKey()), canaryEvery: 4 });
  device = newTestDevice();
  await chain.registerDevice(device.publicKey64);
  await postSettledReadings(gateway.url, device, { chainId: chain.chainId, verifyingContract: chain.fleetAddress }, READINGS);
  const { timestamp } = await chain.publicClient.getBlock();
  for (const recipient of [leaker, honest]) {
    await fundOnAnvil(chain.publicClient, recipient.address, '10');
    await depositBond({ clients, account: recipient, address: chain.bondsAddress, value: parseEther('1') });
    const { consentId } = await grantConsent({
      clients,
      account: chain.operator, // registerDevice mints the device's token to the operator
      address: chain.consentAddress,
      recipient: recipient.address,
      devices: [device.id],
      streams: STREAMS,
      commands: 0,
      purpose: 'traffic study',
      start: timestamp - 86_400n, // the owner opens the last day's history (the readings came before the grant)
      expiry: timestamp + 86_400n,
    });
    consents.set(recipient.address, consentId);
    // Both accept the consent's terms: only then is a bond at stake under it.
    await acceptTerms({ clients, account: recipient, address: chain.deployment.contracts.recipientTerms!, consentId });
  }
});

after(async () => {
  await gateway?.close();
  await chain?.stop();
});

const fetchAll = (recipient: typeof leaker) =>
  fetchConsentedReadings({
    gatewayUrl: gateway.url,
    chainId: chain.chainId,
    consentRegistry: chain.consentAddress,
    account: recipient,
    device: device.id,
    consentId: consents.get(recipient.address)!,
    streams: STREAMS,
  });

describe('trap streets', () => {
  it('attributes a leaked copy to the recipient whose canaries it carries; its bond holds the penalty, then pays the owner', async () => {
    const leaked = await fetchAll(leaker);
    const kept = await fetchAll(honest);
    assert.equal(leaked.readings.length, READINGS);
    // Canaries stay within the sensor's noise: every value is the true one or 1–2 LSB away.
    let moved = 0;
    for (const r of leaked.readings) {
      const i = Number(r.sequence);
      for (const [metric, value] of r.values) {
        const truth = typicalAirQuality[metric]! + i * (metric + 1);
        assert.ok(Math.abs(value - truth) <= 2, `metric ${metric} of reading ${i}: ${value} vs ${truth}`);
        if (value !== truth) moved += 1;
      }
    }
    assert.ok(moved > 0, 'some values are canaries');
    assert.notDeepEqual(
      leaked.readings.map((r) => r.values),
      kept.readings.map((r) => r.values),
      'each recipient has its own canaries',
    );

    // The owner asks the gateway which canaries it gave under each consent, and finds the leaker's in the copy.
    const owner = chain.operator;
    const given = async (recipient: Address): Promise<GivenCanary[]> =>
      queryCanaries({
        gatewayUrl: gateway.url,
        chainId: chain.chainId,
        consentRegistry: chain.consentAddress,
        account: owner,
        consentId: consents.get(recipient)!,
      });
    const leakersCanaries = await given(leaker.address);
    assert.equal(leakersCanaries.length, moved, 'every moved value is a recorded canary');
    const inCopy = (c: GivenCanary) =>
      leaked.readings.some((r) => BigInt(r.sequence) === c.sequence && r.values.some(([m, v]) => m === c.stream && v === c.value));
    const found = leakersCanaries.find(inCopy)!;
    assert.ok(found, 'a canary of the leaker is in the leaked copy');

    // The commitments reached the chain with the next batch.
    for (
      let i = 0;
      i < 100 &&
      (await readCanary({ publicClient: chain.publicClient, address: chain.canaryAddress, commitment: found.commitment })).committedAt ===
        0n;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.notEqual(
      (await readCanary({ publicClient: chain.publicClient, address: chain.canaryAddress, commitment: found.commitment })).committedAt,
      0n,
    );

    // The canary names the delivery the gateway logged: the leaked copy's own data hash.
    assert.ok(found.delivery, 'the canary comes with its delivery');
    assert.equal(found.delivery.dataHash, leaked.dataHash, 'the logged delivery is the leaked copy');
    assert.equal(
      (await readCanary({ publicClient: chain.publicClient, address: chain.canaryAddress, commitment: found.commitment })).deliveryKey,
      deliveryKey(found.delivery),
    );
    // ...proven logged (a Merkle path to its logDeliveries batch's root) before the commitment.
    const committed = await readCanary({ publicClient: chain.publicClient, address: chain.canaryAddress, commitment: found.commitment });
    assert.ok(committed.deliveredAt > 0n && committed.deliveredAt <= committed.committedAt, 'the delivery was logged first');

    const evidenceHash = keccak256(stringToHex(JSON.stringify(leaked.readings)));
    const before = (await readBond({ publicClient: chain.publicClient, address: chain.bondsAddress, recipient: leaker.address })).bond;
    const claim = await claimLeak({
      clients,
      account: owner,
      address: chain.canaryAddress,
      canary: found,
      delivery: found.delivery,
      leakedTo: party,
      evidenceHash,
    });
    assert.ok(claim.held > 0n, 'the penalty is held');
    const held = await readBond({ publicClient: chain.publicClient, address: chain.bondsAddress, recipient: leaker.address });
    assert.equal(before - held.bond, claim.held);
    assert.equal(held.held, claim.held);

    // Undisputed: after the dispute window anyone settles it and the owner is paid.
    await chain.publicClient.request({ method: 'evm_increaseTime' as never, params: [14 * 86_400 + 1] as never });
    await chain.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
    const ownerBefore = await chain.publicClient.getBalance({ address: owner.address });
    const settled = await settleLeak({ clients, account: chain.relayer, address: chain.canaryAddress, commitment: found.commitment });
    assert.equal(settled.outcome, 'upheld');
    assert.equal(settled.paid, claim.held);
    assert.equal(
      await chain.publicClient.getBalance({ address: owner.address }),
      ownerBefore + claim.held,
      'the owner received what was held',
    );
    const honestBond = (await readBond({ publicClient: chain.publicClient, address: chain.bondsAddress, recipient: honest.address })).bond;
    assert.equal(honestBond, parseEther('1'), "the other recipient's bond is untouched");

    // A second reveal of the same canary, and a claim with a forged value, are refused.
    await assert.rejects(
      claimLeak({
        clients,
        account: owner,
        address: chain.canaryAddress,
        canary: found,
        delivery: found.delivery,
        leakedTo: party,
        evidenceHash,
      }),
      (error: unknown) => error instanceof ContractRefusal && error.errorName === 'AlreadyClaimed',
    );
    const other = leakersCanaries.find((c) => c.commitment !== found.commitment)!;
    await assert.rejects(
      claimLeak({
        clients,
        account: owner,
        address: chain.canaryAddress,
        canary: { ...other, value: other.value + 1 },
        delivery: other.delivery!,
        leakedTo: party,
        evidenceHash,
      }),
      // A forged value opens no commitment the gateway made.
      (error: unknown) => error instanceof ContractRefusal && error.errorName === 'UnknownCommitment',
    );
  });

  it("only the consent's owner may list its canaries", async () => {
    await assert.rejects(
      queryCanaries({
        gatewayUrl: gateway.url,
        chainId: chain.chainId,
        consentRegistry: chain.consentAddress,
        account: leaker,
        consentId: consents.get(leaker.address)!,
      }),
      (error: unknown) => error instanceof GatewayRejection && error.reason === 'not_consent_owner',
    );
  });
});
