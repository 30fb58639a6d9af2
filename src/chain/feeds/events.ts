import { decodeEventLog, type Address, type Hex } from 'viem';
import { feedMarketAbi } from '../../contracts/abis.js';

type RawLog = { address: Address; data: Hex; topics: [Hex, ...Hex[]] };

/** The arguments of the first `eventName` the market emitted in a receipt's logs. */
export function marketEvent<T>(logs: readonly unknown[], market: Address, eventName: string): T | undefined {
  for (const log of logs as RawLog[]) {
    if (log.address.toLowerCase() !== market.toLowerCase()) continue;
    const event = decodeEventLog({ abi: feedMarketAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === eventName) return event.args as T;
  }
  return undefined;
}
