import { decodeEventLog, getAbiItem, getAddress, toEventSelector, type Address, type Hex } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import type { ContractName, IndexedContract } from './indexedContracts.js';

/** Where a log sits on the chain. */
export type LogPosition = { blockNumber: number; blockHash: Hex; logIndex: number; transactionHash: Hex };

/** Values of decoded event arguments as JSON can hold them: integers as decimal strings, bytes as hex. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One event of a followed contract, decoded from its ABI: the indexer's raw row. */
export type ChainEvent = LogPosition & {
  contract: ContractName;
  address: Address;
  /** The event's name in the ABI, or `unknown` for a log the ABI does not declare (topic 0 in `args.topic0`). */
  name: string;
  args: Record<string, JsonValue>;
  /**
   * The account that sent the event's transaction (checksummed), set by the follower for every
   * event but the fleet's reading events (always the gateway's relayer; 10 million rows at scale).
   */
  sender?: Address;
};

/** A log as eth_getLogs answers it (numbers as viem decodes them). */
export type RawLog = {
  address: Address;
  topics: readonly Hex[];
  data: Hex;
  blockNumber: bigint | null;
  blockHash: Hex | null;
  logIndex: number | null;
  transactionHash: Hex | null;
};

/** Most logs of a busy chain are the fleet's ReadingAccepted: decoded by hand (device in topic 1, sequence in data). */
const READING_ACCEPTED = toEventSelector(getAbiItem({ abi: pythiaFleetAbi, name: 'ReadingAccepted' }));

/** Chain values as JSON: bigint as a decimal string (uint256 does not fit a double), the rest as is. */
export function toJsonValue(value: unknown): JsonValue {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value as JsonValue;
}

/**
 * Decodes one log of a followed contract, or returns undefined for a log of another address or a
 * pending one (no block yet). A log whose data does not match its declared event (not a contract
 * we deployed) is kept as `unknown`: the row stays, so that positions have no gap.
 */
export function decodeChainLog(log: RawLog, byAddress: ReadonlyMap<string, IndexedContract>): ChainEvent | undefined {
  const contract = byAddress.get(log.address.toLowerCase());
  if (!contract || log.blockNumber === null || log.blockHash === null || log.logIndex === null || log.transactionHash === null) {
    return undefined;
  }
  const position: LogPosition = {
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    logIndex: log.logIndex,
    transactionHash: log.transactionHash,
  };
  const base = { ...position, contract: contract.name, address: contract.address };
  const topic0 = log.topics[0];
  if (topic0 === READING_ACCEPTED && contract.name === 'fleet' && log.topics.length === 2 && log.data.length === 66) {
    const args = { device: getAddress(`0x${log.topics[1]!.slice(26)}`), sequence: BigInt(log.data).toString() };
    return { ...base, name: 'ReadingAccepted', args };
  }
  const event = topic0 === undefined ? undefined : contract.eventsBySelector.get(topic0);
  if (event) {
    try {
      const decoded = decodeEventLog({ abi: [event], data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      const args = Array.isArray(decoded.args) ? Object.fromEntries(decoded.args.map((v, i) => [String(i), v])) : (decoded.args ?? {});
      return { ...base, name: event.name, args: toJsonValue(args) as Record<string, JsonValue> };
    } catch {
      // falls through to unknown
    }
  }
  return { ...base, name: 'unknown', args: { topic0: topic0 ?? null, topics: [...log.topics], data: log.data } };
}

/** Lookup of followed contracts by lower-case address. */
export function contractsByAddress(contracts: readonly IndexedContract[]): Map<string, IndexedContract> {
  return new Map(contracts.map((c) => [c.address.toLowerCase(), c]));
}
