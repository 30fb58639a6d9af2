import { decodeFunctionData, getAbiItem, numberToHex, toEventSelector, type Address, type Hex, type PublicClient } from 'viem';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { readingOutcomesOfLogs } from '../../gateway/readings/receiptOutcomes.js';
import { splitSignature, toCompact } from '../../protocol/signature.js';
import { ledgerKey, type LedgerKey, type ReadingLedger } from './readingLedger.js';

const READING_EVENTS = (['ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped'] as const).map((name) =>
  toEventSelector(getAbiItem({ abi: gatewayFleetAbi, name })),
);

export type ReadingAudit = {
  /** Readings the gateway acknowledged (202, or 409 on a retry). */
  acknowledged: number;
  /** Acknowledged readings recorded on chain exactly once (ReadingAccepted or ReadingFlagged), with the bytes the test signed. */
  onChainOnce: number;
  /** Acknowledged readings not recorded on chain (or recorded only with other bytes than the test signed). */
  lost: LedgerKey[];
  /** Readings recorded more than once. */
  duplicated: LedgerKey[];
  /** Recorded readings the test did not sign, or whose recorded calldata differs from what it signed. */
  unexpected: LedgerKey[];
  /** ReadingSkipped events of the test's readings, by reason (Replayed after reordering would show here). */
  skipped: Record<string, number>;
  /** Readings recorded on chain in all (acknowledged or not). */
  recorded: number;
  /** Submitting transactions that recorded readings. */
  transactions: number;
  headBlock: number;
};

export type AuditReadingsParameters = {
  client: PublicClient;
  fleetAddress: Address;
  ledger: ReadingLedger;
  fromBlock?: bigint;
  /** Blocks per eth_getLogs. Default 2,000. */
  chunkBlocks?: bigint;
};

/**
 * Reads the fleet contract's reading events on the node's canonical chain and holds them against
 * the ledger: every acknowledged reading recorded exactly once, nothing recorded that the test did
 * not sign (each recording transaction's calldata is decoded and compared with the signed bytes).
 * Trusts nothing the gateway says.
 */
export async function auditReadings({
  client,
  fleetAddress,
  ledger,
  fromBlock = 0n,
  chunkBlocks = 2_000n,
}: AuditReadingsParameters): Promise<ReadingAudit> {
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const recorded = new Map<LedgerKey, number>();
  const recordedIn = new Map<Hex, LedgerKey[]>();
  const skipped: Record<string, number> = {};
  for (let from = fromBlock; from <= head; from += chunkBlocks) {
    const to = from + chunkBlocks - 1n < head ? from + chunkBlocks - 1n : head;
    const logs = (await client.request({
      method: 'eth_getLogs',
      params: [{ address: fleetAddress, topics: [READING_EVENTS], fromBlock: numberToHex(from), toBlock: numberToHex(to) }],
    })) as unknown as { address: Address; data: Hex; topics: [Hex, ...Hex[]]; transactionHash: Hex }[];
    for (const log of logs) {
      const [outcome] = readingOutcomesOfLogs([log], fleetAddress);
      if (!outcome) continue;
      const key = ledgerKey(outcome.device, outcome.sequence);
      if (outcome.status === 'rejected') {
        if (ledger.signedReading(key)) skipped[outcome.reasons[0]!] = (skipped[outcome.reasons[0]!] ?? 0) + 1;
        continue;
      }
      recorded.set(key, (recorded.get(key) ?? 0) + 1);
      const keys = recordedIn.get(log.transactionHash) ?? [];
      keys.push(key);
      recordedIn.set(log.transactionHash, keys);
    }
  }

  const unexpected = new Set<LedgerKey>();
  for (const [hash, keys] of recordedIn) {
    const tx = await client.getTransaction({ hash });
    const items = new Map<LedgerKey, { timestamp: bigint; payload: Hex; r: Hex; vs: Hex }>();
    try {
      const call = decodeFunctionData({ abi: gatewayFleetAbi, data: tx.input });
      if (call.functionName === 'submitReadings') {
        for (const item of (
          call.args as unknown as [readonly { device: Address; sequence: bigint; timestamp: bigint; payload: Hex; r: Hex; vs: Hex }[]]
        )[0]) {
          items.set(ledgerKey(item.device, item.sequence), item);
        }
      }
    } catch {
      // not a submitReadings call: every reading it recorded is unexpected
    }
    for (const key of keys) {
      const signed = ledger.signedReading(key);
      const item = items.get(key);
      if (!signed || !item) {
        unexpected.add(key);
        continue;
      }
      const { r, vs } = toCompact(splitSignature(signed.signature as Hex));
      const same =
        item.timestamp === BigInt(signed.timestamp) &&
        item.payload.toLowerCase() === signed.payload.toLowerCase() &&
        item.r.toLowerCase() === r.toLowerCase() &&
        item.vs.toLowerCase() === vs.toLowerCase();
      if (!same) unexpected.add(key);
    }
  }

  const lost: LedgerKey[] = [];
  let onChainOnce = 0;
  for (const key of ledger.acknowledged()) {
    const times = recorded.get(key) ?? 0;
    if (times === 0 || unexpected.has(key)) lost.push(key);
    else if (times === 1) onChainOnce += 1;
  }
  return {
    acknowledged: ledger.acknowledgedCount,
    onChainOnce,
    lost,
    duplicated: [...recorded].filter(([, n]) => n > 1).map(([key]) => key),
    unexpected: [...unexpected],
    skipped,
    recorded: recorded.size,
    transactions: recordedIn.size,
    headBlock: Number(head),
  };
}
