import type { Address, Hash, PublicClient, TransactionReceipt } from 'viem';
import { readingDigest } from '../protocol/eip712.js';
import { applyFleetEvent } from './applyFleetEvent.js';
import { applyReading, type ApplyReadingReturnType } from './applyReading.js';
import { compareBatch } from './compareBatch.js';
import { compareDeviceState } from './compareDeviceState.js';
import { decodeFleetLogs, isReadingOutcomeLog, type FleetLog } from './decodeFleetLogs.js';
import { decodeReadingsCalldata, SUBMIT_READINGS_SELECTOR, type DecodeReadingsCalldataReturnType } from './decodeReadingsCalldata.js';
import { emptyCounts } from './addCounts.js';
import { readDeviceModel, readFleetState } from './readFleetState.js';
import { recoverCompactSigner } from './recoverCompactSigner.js';
import type { BlockVerification, Discrepancy, RevertedBatch } from './types.js';

export type VerifyBlockParameters = {
  client: PublicClient;
  fleet: Address;
  /** EIP-712 domain separator of readings: name "Pythia", version "1", the chain id, the fleet (docs/protocol.md). */
  domainSeparator: Uint8Array;
  blockNumber: bigint;
  /** Whether the fleet had code after the previous block (false only in its deployment block). */
  deployedBefore: boolean;
};

type Batch = {
  hash: Hash;
  from: Address;
  value: bigint;
  gas: bigint;
  receipt: TransactionReceipt;
  decoded: DecodeReadingsCalldataReturnType;
  logs: FleetLog[];
};

/**
 * Verifies one block on its own: every direct submitReadings call to the fleet is decoded from its
 * calldata, each reading judged by the rules against the fleet state after the previous block (read
 * through eth_call) as changed by the earlier readings and transactions of the block, and the verdicts
 * compared with the receipt; then each device's state after the block is compared with the chain's.
 * Nothing the contract computes about a reading is used to judge it. Blocks are independent of each
 * other, so a range can be verified in parallel.
 */
export async function verifyBlock(parameters: VerifyBlockParameters): Promise<BlockVerification> {
  const { client, fleet, domainSeparator, blockNumber, deployedBefore } = parameters;
  const fleetKey = fleet.toLowerCase();
  const block = await client.getBlock({ blockNumber, includeTransactions: true });
  const counts = emptyCounts();
  counts.blocks = 1;
  const discrepancies: Discrepancy[] = [];
  const revertedBatches: RevertedBatch[] = [];
  const result = (): BlockVerification => {
    counts.discrepancies = discrepancies.length;
    return { blockNumber, blockHash: block.hash!, counts, discrepancies, revertedBatches };
  };
  if (block.transactions.length === 0) return result();

  const receipts = await blockReceipts(
    client,
    block.hash!,
    block.transactions.map((tx) => tx.hash),
  );
  const byHash = new Map(receipts.map((receipt) => [receipt.transactionHash.toLowerCase(), receipt]));
  type Step = { kind: 'batch'; batch: Batch } | { kind: 'other'; logs: FleetLog[] };
  const steps: Step[] = [];
  for (const tx of block.transactions) {
    const receipt = byHash.get(tx.hash.toLowerCase());
    if (!receipt) throw new Error(`block ${blockNumber}: the node gave no receipt for ${tx.hash}`);
    const logs = decodeFleetLogs(
      receipt.logs.map((log) => ({ address: log.address, topics: log.topics, data: log.data, logIndex: log.logIndex })),
      fleet,
    );
    const toFleet = tx.to?.toLowerCase() === fleetKey;
    if (toFleet && tx.input.slice(0, 10).toLowerCase() === SUBMIT_READINGS_SELECTOR) {
      counts.transactions.batches++;
      steps.push({
        kind: 'batch',
        batch: { hash: tx.hash, from: tx.from, value: tx.value, gas: tx.gas, receipt, decoded: decodeReadingsCalldata(tx.input), logs },
      });
      continue;
    }
    if (toFleet) counts.transactions.otherFleetCalls++;
    else counts.transactions.other++;
    if (receipt.status !== 'success' || logs.length === 0) continue;
    steps.push({ kind: 'other', logs });
    const outcomes = logs.filter(isReadingOutcomeLog);
    if (outcomes.length > 0)
      discrepancies.push({
        kind: 'unverifiable',
        blockNumber,
        transactionHash: tx.hash,
        expected: null,
        recorded: { readings: outcomes.length, to: tx.to ?? null },
        message: `the fleet recorded ${outcomes.length} reading outcome(s) in ${tx.hash}, which is not a direct submitReadings call (to ${tx.to ?? 'a new contract'}): its calldata cannot be checked`,
      });
  }
  const batches = steps.flatMap((step) => (step.kind === 'batch' ? [step.batch] : []));
  if (batches.length === 0) return result();

  // The state the rules read: after the previous block, for every device a batch names.
  const devices = new Map<string, Address>();
  for (const batch of batches)
    if (batch.decoded.ok) for (const reading of batch.decoded.readings) devices.set(reading.device.toLowerCase(), reading.device);
  const registeredClasses = steps.flatMap((step) =>
    step.kind === 'other'
      ? step.logs.flatMap((log) => (log.kind === 'registered' && devices.has(log.device.toLowerCase()) ? [log.classId] : []))
      : [],
  );
  const deviceList = [...devices.values()];
  const [model, after] = await Promise.all([
    readFleetState({
      client,
      fleet,
      blockNumber: blockNumber - 1n,
      devices: deviceList,
      classes: registeredClasses,
      accounts: [...new Set(batches.map((batch) => batch.from))],
      deployed: deployedBefore,
    }),
    Promise.all(deviceList.map((device) => readDeviceModel(client, fleet, device, blockNumber))),
  ]);

  const blockTime = block.timestamp;
  for (const step of steps) {
    if (step.kind === 'other') {
      for (const event of step.logs) applyFleetEvent({ model, event, fleet, blockTime });
      continue;
    }
    const batch = step.batch;
    const at = { blockNumber, transactionHash: batch.hash };
    // Any of these reverts the whole batch (checked in the contract's order: value, role, items).
    const rejection =
      batch.value !== 0n
        ? { why: 'value_sent' as const, detail: `the call sends ${batch.value} wei to a function that takes none` }
        : model.relayers.get(batch.from.toLowerCase()) !== true
          ? { why: 'not_relayer' as const, detail: `${batch.from} does not hold RELAYER_ROLE` }
          : model.untrustedRelayers?.has(batch.from.toLowerCase())
            ? { why: 'untrusted_relayer' as const, detail: `${batch.from} is not bound to a trusted Pythia key` }
            : !batch.decoded.ok
              ? { why: 'malformed' as const, detail: batch.decoded.reason }
              : undefined;
    if (batch.receipt.status !== 'success') {
      counts.transactions.revertedBatches++;
      if (rejection) revertedBatches.push({ ...at, ...rejection });
      else if (batch.receipt.gasUsed >= batch.gas)
        revertedBatches.push({ ...at, why: 'out_of_gas', detail: `used all of its ${batch.gas} gas: nothing was recorded` });
      else
        discrepancies.push({
          kind: 'revert',
          ...at,
          expected: 'executed',
          recorded: 'reverted',
          message: `${batch.hash} reverted (using ${batch.receipt.gasUsed} of ${batch.gas} gas) although the rules accept the batch: its readings were not recorded`,
        });
      continue;
    }
    if (rejection || !batch.decoded.ok) {
      discrepancies.push({
        kind: 'revert',
        ...at,
        expected: `reverted (${rejection?.why}: ${rejection?.detail})`,
        recorded: 'executed',
        message: `${batch.hash} was executed although the rules reject the batch (${rejection?.detail})`,
      });
      continue;
    }
    const readings = batch.decoded.readings;
    const expected: ApplyReadingReturnType[] = readings.map((reading) => {
      const signer = recoverCompactSigner(readingDigest(domainSeparator, reading), reading.r, reading.vs);
      return applyReading({ model, reading, signer, blockTime });
    });
    const compared = compareBatch({ ...at, fleet, readings, expected, recorded: batch.logs });
    discrepancies.push(...compared.discrepancies);
    counts.readings.checked += readings.length;
    counts.readings.agreed += compared.agreed;
    for (const { outcome, response } of expected) {
      if (outcome.status === 'accepted') counts.readings.accepted++;
      else if (outcome.status === 'flagged') {
        counts.readings.flagged++;
        for (const reason of outcome.reasons) counts.readings.flaggedByReason[reason] = (counts.readings.flaggedByReason[reason] ?? 0) + 1;
      } else {
        counts.readings.skipped++;
        counts.readings.skippedByReason[outcome.reason] = (counts.readings.skippedByReason[outcome.reason] ?? 0) + 1;
      }
      if (response?.current === 'suspended') counts.responses.suspended++;
      if (response?.current === 'revoked') counts.responses.revoked++;
    }
  }

  after.forEach((recorded) => {
    const expected = model.devices.get(recorded.device.toLowerCase());
    if (expected) discrepancies.push(...compareDeviceState({ blockNumber, expected, recorded }));
  });
  return result();
}

/** eth_getBlockReceipts, or one eth_getTransactionReceipt per transaction on a node without it. */
async function blockReceipts(client: PublicClient, blockHash: Hash, hashes: readonly Hash[]): Promise<TransactionReceipt[]> {
  try {
    return await client.getBlockReceipts({ blockHash });
  } catch (error) {
    const code = (error as { code?: number; cause?: { code?: number } }).code ?? (error as { cause?: { code?: number } }).cause?.code;
    if (code !== -32601 && !/not (found|supported|available)|does not exist/i.test((error as Error).message)) throw error;
    return Promise.all(hashes.map((hash) => client.getTransactionReceipt({ hash })));
  }
}
