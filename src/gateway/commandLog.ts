import { encodeFunctionData, type Address, type Hex } from 'viem';
import { accessLogAbi } from '../contracts/abis.js';
import type { DeviceActionRecord, ReadingQueue } from './readingQueue.js';
import type { Relayer } from './relayer.js';

/** IAccessLog.CommandRecord: a command the gateway relayed for a recipient. */
export type CommandLogEntry = {
  consentId: bigint;
  device: Address;
  recipient: Address;
  command: number;
  /** The EIP-712 digest of the recipient-signed command (its id). */
  commandHash: Hex;
};

export type CommandLogContext = { queue: Pick<ReadingQueue, 'enqueueAction'>; relayer: Pick<Relayer, 'notify'>; accessLog: Address };

/** The device-action kind of an AccessLog.logCommands transaction. */
export const ACCESS_LOG_COMMANDS_KIND = 'access-log-commands';

/**
 * Queues a relayed command for AccessLog.logCommands. The AccessLog logs it (CommandLogged) only
 * if its consent still permits it at the logging block, and records it as refused
 * (EntryRefused) otherwise.
 *
 * For now one entry per transaction through the durable device-action queue (relayer.ts sends
 * each as its own transaction, stored before broadcast, resumed after a restart).
 * TODO(integrator): switch to the access-log batcher (accessLogBatcher.ts, enqueueAccessEntry)
 * so that many commands share one logCommands transaction.
 */
export function recordCommandForLog(context: CommandLogContext, entry: CommandLogEntry): DeviceActionRecord {
  const { action } = context.queue.enqueueAction({
    device: entry.device,
    kind: ACCESS_LOG_COMMANDS_KIND,
    target: context.accessLog,
    calldata: encodeFunctionData({ abi: accessLogAbi, functionName: 'logCommands', args: [[entry]] }),
    dedupeKey: `${ACCESS_LOG_COMMANDS_KIND}:${entry.commandHash.toLowerCase()}`,
  });
  context.relayer.notify();
  return action;
}
