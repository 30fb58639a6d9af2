import { decodeFunctionData, getAbiItem, numberToHex, pad, toEventSelector, type Address, type Hex, type PublicClient } from 'viem';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import type { NewReading, ReadingOutcome } from './readingQueue.js';
import { readingOutcomesOfLogs } from './receiptOutcomes.js';
import { signedReadingOf } from './signedReadingOf.js';

const RECORDED_EVENTS = [
  toEventSelector(getAbiItem({ abi: gatewayFleetAbi, name: 'ReadingAccepted' })),
  toEventSelector(getAbiItem({ abi: gatewayFleetAbi, name: 'ReadingFlagged' })),
];

export type FindReadingRecordingParameters = {
  client: PublicClient;
  fleetAddress: Address;
  /** The reading as the gateway stored it (the device's signed bytes). */
  reading: NewReading;
  /** Search [fromBlock, toBlock], newest first. */
  fromBlock: bigint;
  toBlock: bigint;
  /** Whether this gateway signed the transaction (then it carried this very reading: the queue holds one per device and sequence). */
  isOwnTransaction: (txHash: Hex) => boolean;
  /** Blocks per eth_getLogs. Default 5,000. */
  chunkBlocks?: bigint;
};

export type ReadingRecording =
  | { found: true; txHash: Hex; blockNumber: number; blockHash: Hex; outcome: ReadingOutcome }
  /** Nothing recorded this (device, sequence) in the range. */
  | { found: false }
  /** Another reading with the same device and sequence was recorded (the device signed two). */
  | { found: false; otherReading: { txHash: Hex; blockNumber: number } };

type RpcLog = { address: Address; data: Hex; topics: [Hex, ...Hex[]]; transactionHash: Hex; blockNumber: Hex; blockHash: Hex };

/**
 * Where the chain recorded a reading the contract skipped as Replayed in one of the gateway's
 * batches: a ReadingAccepted or ReadingFlagged of the device with the same sequence, in a block
 * still canonical, by a transaction that carried the same signed reading (a transaction of this
 * gateway — an earlier batch mined after all — or another relayer's, whose calldata is compared
 * field by field). Reads the chain only; decides nothing.
 */
export async function findReadingRecording(parameters: FindReadingRecordingParameters): Promise<ReadingRecording> {
  const { client, fleetAddress, reading, fromBlock, isOwnTransaction } = parameters;
  const chunk = parameters.chunkBlocks ?? 5_000n;
  const deviceTopic = pad(reading.device.toLowerCase() as Hex);
  for (let to = parameters.toBlock; to >= fromBlock; to -= chunk) {
    const from = to - chunk + 1n > fromBlock ? to - chunk + 1n : fromBlock;
    const logs = (await client.request({
      method: 'eth_getLogs',
      params: [{ address: fleetAddress, topics: [RECORDED_EVENTS, deviceTopic], fromBlock: numberToHex(from), toBlock: numberToHex(to) }],
    })) as unknown as RpcLog[];
    for (const log of logs.reverse()) {
      const [outcome] = readingOutcomesOfLogs([log], fleetAddress);
      if (!outcome || outcome.sequence !== reading.sequence) continue;
      const blockNumber = Number(BigInt(log.blockNumber));
      const canonical = await client.getBlock({ blockNumber: BigInt(blockNumber) }).catch(() => undefined);
      if (canonical?.hash !== log.blockHash) continue;
      if (!isOwnTransaction(log.transactionHash) && !(await carriesReading(client, log.transactionHash, reading))) {
        return { found: false, otherReading: { txHash: log.transactionHash, blockNumber } };
      }
      return { found: true, txHash: log.transactionHash, blockNumber, blockHash: log.blockHash, outcome };
    }
  }
  return { found: false };
}

/** Whether the transaction is a submitReadings call whose item for the reading's device and sequence is the same signed reading. */
async function carriesReading(client: PublicClient, txHash: Hex, reading: NewReading): Promise<boolean> {
  const tx = await client.getTransaction({ hash: txHash });
  let call;
  try {
    call = decodeFunctionData({ abi: gatewayFleetAbi, data: tx.input });
  } catch {
    return false;
  }
  if (call.functionName !== 'submitReadings') return false;
  const ours = signedReadingOf(reading);
  const items = (call.args as unknown as [readonly (typeof ours)[]])[0];
  return items.some(
    (item) =>
      item.device.toLowerCase() === ours.device.toLowerCase() &&
      item.sequence === ours.sequence &&
      item.timestamp === ours.timestamp &&
      item.payload.toLowerCase() === ours.payload.toLowerCase() &&
      item.r.toLowerCase() === ours.r.toLowerCase() &&
      item.vs.toLowerCase() === ours.vs.toLowerCase(),
  );
}
