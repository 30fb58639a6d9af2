import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createPublicClient,
  encodeAbiParameters,
  encodeFunctionData,
  http,
  keccak256,
  pad,
  toHex,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type Abi,
  zeroHash,
} from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { createChainClients } from '../chain/clients.js';
import { nativeAccount } from '../chain/nativeAccount.js';
import { bindRelayer, registerPythiaKey } from '../chain/pythiaRegistry.js';
import { scheduleOperation, timelockCall } from '../chain/timelock.js';
import { pythiaFleetAbi, pythiaTimelockAbi } from '../contracts/abis.js';
import { encodeMetrics } from '../protocol/payload.js';
import type { Profile } from '../protocol/profile.js';
import { anvilTestClient } from '../testing/anvilTestClient.js';
import { fundedAccount } from '../testing/fundedAccount.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { RELAYER_ROLE, readFleetState } from './readFleetState.js';
import {
  inOneBlock,
  latestBlockNumber,
  newTestKey,
  patchFleetCode,
  sendRaw,
  signItem,
  submitBatch,
  submitReadingsData,
  testProfile,
  typicalValues,
  type TestKey,
} from './testKit.js';
import type { Discrepancy } from './types.js';
import { verifyChain, type VerifyChainReturnType } from './verifyChain.js';

/**
 * `verifyChain` against a real Anvil and the real contracts: batches sent straight to the fleet as
 * the relayer (so that every outcome the gateway would refuse at intake reaches the chain too), in
 * blocks of one transaction and in blocks mixing batches with the operator's changes; then
 * discrepancies planted by changing the chain under the rules (patched code, changed storage).
 */
let chain: TestChain;
let client: PublicClient;
const T0 = 1_700_000_000;
/** Blocks where a test planted a discrepancy: a verification of the whole history must find those and no others. */
const plantedBlocks = new Set<bigint>();

const verify = (fromBlock?: bigint, toBlock?: bigint): Promise<VerifyChainReturnType> =>
  verifyChain({ client, fleet: chain.fleetAddress, fromBlock, toBlock });

const kinds = (discrepancies: readonly Discrepancy[]) => [...new Set(discrepancies.map((d) => d.kind))].sort();

/** Issue #12: a relayer must be bound to a trusted Pythia key; the operator registers one for it. */
async function bindToNewPythiaKey(relayer: Address): Promise<void> {
  const clients = createChainClients(chain);
  const registry = chain.deployment.contracts.pythiaRegistry!;
  const key = nativeAccount(generatePrivateKey());
  await registerPythiaKey({ clients, account: chain.operator, address: registry, publicKey: key.publicKey });
  await bindRelayer({ clients, account: chain.operator, address: registry, key: key.address, relayer });
}

async function registered(): Promise<TestKey> {
  const key = newTestKey();
  await chain.registerDevice(key.publicKey);
  return key;
}

const item = (
  key: TestKey,
  sequence: number,
  extra: { timestamp?: number; values?: number[]; payload?: Hex; device?: Address } = {},
  signer = key,
) =>
  signItem(chain, signer, {
    device: extra.device ?? key.address,
    sequence,
    timestamp: extra.timestamp ?? T0 + 60 * sequence,
    ...(extra.values ? { values: extra.values } : {}),
    ...(extra.payload ? { payload: extra.payload } : {}),
  });

const outOfRange = (() => {
  const values = [...typicalValues];
  values[2] = 4500; // NO2 450 µg/m³ over the class maximum (4000 raw)
  return values;
})();

before(async () => {
  chain = await startTestChain();
  client = createPublicClient({ transport: http(chain.rpcUrl, { batch: { batchSize: 200, wait: 0 } }) });
});

after(async () => {
  await chain?.stop();
});

describe('verifyChain on a real chain', { timeout: 300_000 }, () => {
  it('agrees with the contract on every outcome: accepted, each flag, each skip, suspension and revocation', async () => {
    const from = (await latestBlockNumber(chain)) + 1n;
    const state = await readFleetState({ client, fleet: chain.fleetAddress, blockNumber: from - 1n, devices: [], classes: [1] });
    assert.deepEqual(state.classProfiles.get(1), testProfile, "the test chain's class profile, as the verifier reads it");
    const clean = await registered();
    const [changing, framing, sizing] = [await registered(), await registered(), await registered()];
    const banned = await registered();
    const suspended = await registered();
    const revoked = await registered();
    const stranger = newTestKey(); // never registered
    await chain.suspendDevice(suspended.address);
    await chain.revokeDevice(revoked.address);
    const now = Number((await chain.publicClient.getBlock()).timestamp);

    // Two flags at most per device (flagThreshold 3 would suspend it).
    const first = await submitBatch(chain, [
      item(clean, 1),
      item(clean, 2),
      item(changing, 1),
      item(changing, 2, { values: outOfRange }), // OutOfRange + ExcessiveChange (NO2 +4200)
      item(changing, 3), // back to normal: ExcessiveChange
      item(framing, 1),
      item(framing, 2, { timestamp: T0 + 61 }), // TooFrequent: 1 s after the last
      item(framing, 3, { payload: encodeMetrics([...typicalValues, 7]) }), // PayloadSize: 14 bytes > 12
      item(sizing, 1),
      item(sizing, 2, { payload: '0x0102' }), // PayloadSize: too short for the metrics (values kept)
      item(sizing, 3, { timestamp: now + 10_000 }), // ClockSkew
      item(clean, 2), // Replayed
      item(clean, 1), // Replayed (below the last)
      item(clean, 3, {}, stranger), // BadSignature: another key
      // BadSignature: the high-s twin, which compact form cannot even carry (s ≥ 2^255 collides with the parity bit).
      signItem(chain, clean, { device: clean.address, sequence: 4, timestamp: T0 + 240 }, true),
      item(stranger, 1), // UnknownDevice
      item(suspended, 1), // DeviceSuspended
      item(revoked, 1), // DeviceRevoked
      item(clean, 5, { timestamp: 2 ** 50 }), // ClockSkew; the timestamp is recorded saturated
      item(clean, 6, { timestamp: 2 ** 50 + 100 }), // TooFrequent: both saturate to 2^40 - 1
    ]);
    assert.equal(first.status, 'success');
    // Three OutOfRange flags suspend (flagThreshold 3); after a reinstatement two more revoke (2 suspensions).
    const suspending = await submitBatch(
      chain,
      [1, 2, 3, 4].map((s) => item(banned, s, { values: s === 1 ? typicalValues : outOfRange })),
    );
    await chain.operatorWrite('reinstateDevice', [banned.address, 'inspected']);
    const revoking = await submitBatch(
      chain,
      [5, 6, 7, 8].map((s) => item(banned, s, { values: outOfRange })),
    );

    const report = await verify(from);
    assert.deepEqual(report.discrepancies, []);
    assert.equal(report.agreed, true);
    assert.equal(report.complete, true);
    const { readings, responses, transactions } = report.counts;
    assert.equal(transactions.batches, 3);
    assert.ok(transactions.otherFleetCalls >= 8, 'registrations and status changes are counted, not verified');
    assert.equal(readings.checked, 20 + 4 + 4);
    assert.equal(readings.agreed, readings.checked);
    assert.deepEqual(readings.skippedByReason, { Replayed: 2, BadSignature: 2, UnknownDevice: 1, DeviceSuspended: 1, DeviceRevoked: 2 });
    for (const reason of ['OutOfRange', 'ExcessiveChange', 'TooFrequent', 'PayloadSize', 'ClockSkew'] as const) {
      assert.ok((readings.flaggedByReason[reason] ?? 0) > 0, `no ${reason}`);
    }
    assert.deepEqual(responses, { suspended: 1, revoked: 1 });
    for (const tx of [first, suspending, revoking]) assert.ok(tx.blockNumber >= from);
  });

  it('follows changes made inside one block: a profile tightened, a device reinstated, a relayer role revoked, an out-of-band flag', async () => {
    const device = await registered();
    const other = await registered();
    await chain.suspendDevice(other.address);
    await submitBatch(chain, [item(device, 1)]);
    const inspector = await fundedAccount(chain.publicClient);
    const inspectorRole = await chain.publicClient.readContract({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'INSPECTOR_ROLE',
    });
    // Role changes go through the council's timelock (the fleet's admin; no delay on a test chain).
    await chain.govern(chain.fleetAddress, pythiaFleetAbi, 'grantRole', [inspectorRole, inspector.address]);
    const secondRelayer = await fundedAccount(chain.publicClient);
    await chain.govern(chain.fleetAddress, pythiaFleetAbi, 'grantRole', [RELAYER_ROLE, secondRelayer.address]);
    await bindToNewPythiaKey(secondRelayer.address);
    // The revocation inside the block: scheduled before, executed by the admin (the executor) in the block.
    const revokeCall = timelockCall({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi as Abi,
      functionName: 'revokeRole',
      args: [RELAYER_ROLE, secondRelayer.address],
    });
    const scheduled = await scheduleOperation({
      clients: createChainClients(chain),
      account: chain.admin,
      address: chain.timelock,
      calls: [revokeCall],
    });
    const executeData = encodeFunctionData({
      abi: pythiaTimelockAbi,
      functionName: 'executeBatch',
      args: [[revokeCall.target], [0n], [revokeCall.data], zeroHash, scheduled.salt],
    });

    // A device profile for `device` that allows NO2 up to 4000 only while the class allows it too, then
    // tightened to 350 in the same block as the readings: the second batch must be judged by the new one.
    const tight: Profile = {
      ...testProfile,
      flagThreshold: 2,
      suspensionsBeforeRevoke: 0,
      maxValue: testProfile.maxValue.map((v, i) => (i === 2 ? 350 : v)),
      maxDelta: [0, 0, 0, 0, 0, 0],
    };
    const nearNo2 = [...typicalValues];
    nearNo2[2] = 340;
    const overNo2 = [...typicalValues];
    overNo2[2] = 400;
    const transactions: [LocalAccount, Hex, Address?][] = [
      [chain.relayer, submitReadingsData([item(device, 2, { values: overNo2 }), item(other, 1)])], // clean; other is suspended
      [chain.operator, encodeFunctionData({ abi: pythiaFleetAbi, functionName: 'setDeviceProfile', args: [device.address, tight] })],
      [chain.operator, encodeFunctionData({ abi: pythiaFleetAbi, functionName: 'reinstateDevice', args: [other.address, 'ok'] })],
      [chain.relayer, submitReadingsData([item(device, 3, { values: nearNo2 }), item(device, 4, { values: overNo2 }), item(other, 2)])],
      // An out-of-band flag (the firmware registry's path): the second flag in the window suspends the device.
      [inspector, encodeFunctionData({ abi: pythiaFleetAbi, functionName: 'flagDevice', args: [device.address, 32, pad('0x01')] })],
      [chain.relayer, submitReadingsData([item(device, 5)])], // skipped: suspended by that flag
      [chain.admin, executeData, chain.timelock],
      [secondRelayer, submitReadingsData([item(other, 3)])], // reverts: no longer a relayer
    ];
    const { blockNumber } = await inOneBlock(chain, async (fees) => {
      const hashes: Hash[] = [];
      for (const [i, [account, data, to]] of transactions.entries()) {
        hashes.push(await chain.walletClient(account).sendTransaction({ to: to ?? chain.fleetAddress, data, gas: 5_000_000n, ...fees(i) }));
      }
      return hashes;
    });
    const block = await chain.publicClient.getBlock({ blockNumber });
    assert.equal(block.transactions.length, 8);
    const flaggedEvents = await chain.publicClient.getContractEvents({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      eventName: 'ReadingFlagged',
      fromBlock: blockNumber,
      toBlock: blockNumber,
    });
    assert.deepEqual(
      flaggedEvents.map((e) => [e.args.sequence, e.args.reasons]),
      [[4n, 1]],
      'the chain judged reading 4 by the profile set earlier in the block (a verifier reading the previous block would expect it clean)',
    );

    const report = await verify(blockNumber, blockNumber);
    assert.deepEqual(report.discrepancies, []);
    assert.equal(report.counts.readings.checked, 6);
    assert.deepEqual(report.counts.readings.skippedByReason, { DeviceSuspended: 2 });
    assert.deepEqual(
      report.revertedBatches.map((b) => b.why),
      ['not_relayer'],
    );
  });

  it('starts mid-history from the state after the block before, and predicts the reverts the rules cause', async () => {
    const device = await registered();
    await submitBatch(
      chain,
      [1, 2, 3].map((s) => item(device, s)),
    );
    const middle = (await latestBlockNumber(chain)) + 1n;
    await submitBatch(chain, [item(device, 3), item(device, 4, { timestamp: T0 + 180 + 2 })]); // Replayed; TooFrequent
    const stranger = await fundedAccount(chain.publicClient);
    const notRelayer = await sendRaw(chain, stranger, chain.fleetAddress, submitReadingsData([item(device, 5)]));
    // Dirty high bits in item 0's sequence: the contract reverts the batch (MalformedReading(0)).
    const data = submitReadingsData([item(device, 5)]);
    const dirty = `${data.slice(0, 10 + 64 * 4)}${'ff'.repeat(16)}${data.slice(10 + 64 * 4 + 32)}` as Hex;
    const malformed = await sendRaw(chain, chain.relayer, chain.fleetAddress, dirty);
    const outOfGas = await submitBatch(chain, [item(device, 5), item(device, 6)], 45_000n);
    const paid = await chain.walletClient(chain.relayer).sendTransaction({
      to: chain.fleetAddress,
      data: submitReadingsData([item(device, 5)]),
      value: 1n,
      gas: 500_000n,
    });
    await fundedAccount(chain.publicClient); // a block without fleet transactions
    for (const tx of [notRelayer, malformed, outOfGas]) assert.equal(tx.status, 'reverted');
    assert.equal((await chain.publicClient.waitForTransactionReceipt({ hash: paid })).status, 'reverted');

    const report = await verify(middle);
    assert.deepEqual(report.discrepancies, []);
    assert.equal(report.fromBlock, middle);
    assert.deepEqual(report.counts.readings.skippedByReason, { Replayed: 1 });
    assert.deepEqual(report.counts.readings.flaggedByReason, { TooFrequent: 1 });
    assert.deepEqual(
      report.revertedBatches.map((b) => b.why),
      ['not_relayer', 'malformed', 'out_of_gas', 'value_sent'],
    );
    assert.equal(report.counts.transactions.revertedBatches, 4);
  });

  it('reports readings the chain recorded against the rules (patched contract): outcome, response and state', async () => {
    const device = await registered();
    // A fleet whose range check is broken: the SWAR guard word zeroed, so the fast path finds every
    // value in range. The rules flag three out-of-range readings and suspend the device; this chain
    // accepts them.
    const restore = await patchFleetCode(chain, `0x7e${'01000000'.repeat(8).slice(0, 62)}`, `0x7e${'00'.repeat(31)}`);
    let planted: Awaited<ReturnType<typeof submitBatch>>;
    try {
      planted = await submitBatch(
        chain,
        [1, 2, 3].map((s) => item(device, s, { values: outOfRange })),
      );
    } finally {
      await restore();
    }
    plantedBlocks.add(planted.blockNumber);
    const report = await verify(planted.blockNumber, planted.blockNumber);
    assert.equal(report.agreed, false);
    assert.deepEqual(kinds(report.discrepancies), ['outcome', 'response', 'state']);
    const outcomes = report.discrepancies.filter((d) => d.kind === 'outcome');
    assert.deepEqual(
      outcomes.map((d) => [d.transactionHash, d.index, d.device, d.sequence, d.recorded]),
      [1, 2, 3].map((s) => [planted.hash, s - 1, device.address, BigInt(s), { status: 'accepted' }]),
    );
    assert.deepEqual(outcomes[0]!.expected, { status: 'flagged', reasons: ['OutOfRange'], metric: 2, value: 4500 });
    const response = report.discrepancies.find((d) => d.kind === 'response')!;
    assert.equal(response.sequence, 3n);
    assert.deepEqual(response.expected, { previous: 'active', current: 'suspended' });
    assert.equal(response.recorded, null);
    assert.deepEqual(
      report.discrepancies.filter((d) => d.kind === 'state').map((d) => [d.field, d.expected, d.recorded]),
      [
        ['status', 'suspended', 'active'],
        ['flags', 3, 0],
        ['autoSuspensions', 1, 0],
      ],
    );
    // The block before the patch agrees.
    assert.equal((await verify(planted.blockNumber - 1n, planted.blockNumber - 1n)).agreed, true);
  });

  it('reports a batch the rules accept that the chain reverted (patched dispatcher)', async () => {
    const device = await registered();
    const restore = await patchFleetCode(chain, '0x63ae514dce', '0x63deadbeef');
    let planted: Awaited<ReturnType<typeof submitBatch>>;
    try {
      planted = await submitBatch(chain, [item(device, 1)]);
    } finally {
      await restore();
    }
    assert.equal(planted.status, 'reverted');
    plantedBlocks.add(planted.blockNumber);
    const report = await verify(planted.blockNumber, planted.blockNumber);
    assert.deepEqual(kinds(report.discrepancies), ['revert']);
    assert.equal(report.discrepancies[0]!.transactionHash, planted.hash);
    assert.deepEqual(report.revertedBatches, []);
  });

  it('reports device state the chain holds that the rules do not lead to (storage changed after the block)', async () => {
    const device = await registered();
    const batch = await submitBatch(chain, [item(device, 1), item(device, 2)]);
    // The device record: set its last sequence to 9 in the state after the block. The records mapping
    // is the fleet's slot 3, after AccessControl's roles (0) and AccessControlDefaultAdminRules' two packed slots (1-2).
    const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [device.address, 3n]));
    const record = BigInt((await chain.publicClient.getStorageAt({ address: chain.fleetAddress, slot }))!);
    const tampered = (record & ~(((1n << 64n) - 1n) << 168n)) | (9n << 168n);
    await anvilTestClient(chain.publicClient).setStorageAt({ address: chain.fleetAddress, index: slot, value: pad(toHex(tampered)) });
    plantedBlocks.add(batch.blockNumber);
    const report = await verify(batch.blockNumber, batch.blockNumber);
    assert.equal(report.discrepancies.length, 1);
    assert.deepEqual(report.discrepancies[0], {
      kind: 'state',
      blockNumber: batch.blockNumber,
      device: device.address,
      field: 'lastSequence',
      expected: 2n,
      recorded: 9n,
      message: `after block ${batch.blockNumber}, ${device.address} lastSequence: expected 2, the chain has 9`,
    });
  });

  it('reports readings recorded through a contract that forwards to submitReadings: they cannot be checked', async () => {
    const device = await registered();
    // A forwarder holding RELAYER_ROLE: CALLDATACOPY its calldata and CALL the fleet with it.
    const forwarder = '0x00000000000000000000000000000000f0f0f0f0' as Address;
    const code = `0x366000600037600060003660006000 73${chain.fleetAddress.slice(2).toLowerCase()}5af100`.replace(' ', '') as Hex;
    await anvilTestClient(chain.publicClient).setCode({ address: forwarder, bytecode: code });
    await chain.govern(chain.fleetAddress, pythiaFleetAbi, 'grantRole', [RELAYER_ROLE, forwarder]);
    await bindToNewPythiaKey(forwarder);
    const forwarded = await sendRaw(chain, chain.relayer, forwarder, submitReadingsData([item(device, 1)]));
    assert.equal(forwarded.status, 'success');
    const accepted = await chain.publicClient.getContractEvents({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      eventName: 'ReadingAccepted',
      fromBlock: forwarded.blockNumber,
      toBlock: forwarded.blockNumber,
    });
    assert.equal(accepted.length, 1, 'the forwarded reading was recorded');
    plantedBlocks.add(forwarded.blockNumber);
    const report = await verify(forwarded.blockNumber, forwarded.blockNumber);
    assert.deepEqual(kinds(report.discrepancies), ['unverifiable']);
    assert.equal(report.discrepancies[0]!.transactionHash, forwarded.hash);
  });

  it("verifies the whole history from the fleet's deployment block: exactly the planted discrepancies", async () => {
    const head = await latestBlockNumber(chain);
    const report = await verifyChain({ client, fleet: chain.fleetAddress, toBlock: head });
    assert.equal(plantedBlocks.size, 4);
    assert.deepEqual([...new Set(report.discrepancies.map((d) => d.blockNumber))].sort(), [...plantedBlocks].sort());
    assert.equal(
      report.counts.readings.agreed + report.discrepancies.filter((d) => d.kind === 'outcome').length,
      report.counts.readings.checked,
    );
    const codeAt = (blockNumber: bigint) => chain.publicClient.getCode({ address: chain.fleetAddress, blockNumber });
    assert.equal(await codeAt(report.fromBlock - 1n), undefined);
    assert.ok(((await codeAt(report.fromBlock)) ?? '0x').length > 2);
    assert.equal(report.counts.blocks, Number(head - report.fromBlock + 1n));
  });

  it('refuses to verify what it cannot: no fleet at the address, a block past the head', async () => {
    const nobody = newTestKey().address;
    await assert.rejects(verifyChain({ client, fleet: nobody }), /not a Pythia fleet contract/);
    const head = await latestBlockNumber(chain);
    await assert.rejects(verifyChain({ client, fleet: chain.fleetAddress, toBlock: head + 100n }), /past the node's head/);
  });
});
