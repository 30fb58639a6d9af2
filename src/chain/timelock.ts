import { randomBytes } from 'node:crypto';
import { encodeFunctionData, parseEventLogs, toHex, zeroHash, type Abi, type Address, type Hex, type PublicClient } from 'viem';
import { pythiaTimelockAbi } from '../contracts/abis.js';
import type { Deployment } from './deployment.js';
import { requireContract } from './requireContract.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from './sendContractTransaction.js';

/**
 * The council's timelock (issue #12; docs/operations.md, "Who holds which role"): DEFAULT_ADMIN_ROLE
 * of every contract with roles. The admin key (proposer, executor, canceller) schedules a change of
 * who may act, and executes it once the delay has passed; both steps are public events.
 */
export type TimelockCall = { target: Address; value: bigint; data: Hex };

/** The deployment's timelock, or a ContractMissingError for a deployment made before it existed (`pythia up` adds one). */
export function timelockAddress(deployment: Deployment): Address {
  return requireContract(deployment, 'timelock');
}

/** A call of `functionName` on a contract, as the timelock will make it. */
export function timelockCall(parameters: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] }): TimelockCall {
  const { address, abi, functionName, args } = parameters;
  return { target: address, value: 0n, data: encodeFunctionData({ abi, functionName, args } as never) };
}

/** A proposer's or executor's write: `address` is the timelock. */
type Context = WriteContext;

export type ScheduledOperation = SendContractTransactionReturnType & {
  /** TimelockController.hashOperationBatch(targets, values, payloads, 0, salt). */
  operationId: Hex;
  salt: Hex;
  calls: TimelockCall[];
  /** Seconds the operation waits (the timelock's minimum delay unless more was asked). */
  delay: bigint;
};

/** Schedules `calls` as one operation (proposer): executable after the delay (default: the timelock's minimum). */
export async function scheduleOperation(
  parameters: Context & { calls: readonly TimelockCall[]; delay?: bigint; salt?: Hex },
): Promise<ScheduledOperation> {
  const { clients, account, address: timelock } = parameters;
  const calls = [...parameters.calls];
  if (calls.length === 0) throw new Error('nothing to schedule');
  const salt = parameters.salt ?? toHex(randomBytes(32));
  const minDelay = await clients.publicClient.readContract({ address: timelock, abi: pythiaTimelockAbi, functionName: 'getMinDelay' });
  const delay = parameters.delay ?? minDelay;
  const args = [calls.map((c) => c.target), calls.map((c) => c.value), calls.map((c) => c.data), zeroHash, salt] as const;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: timelock,
    abi: pythiaTimelockAbi,
    functionName: 'scheduleBatch',
    args: [...args, delay],
  });
  const operationId = await clients.publicClient.readContract({
    address: timelock,
    abi: pythiaTimelockAbi,
    functionName: 'hashOperationBatch',
    args,
  });
  return { ...sent, operationId, salt, calls, delay };
}

export type OperationState = 'unset' | 'waiting' | 'ready' | 'done';

export type OperationInfo = {
  operationId: Hex;
  state: OperationState;
  /** Unix seconds from which it can be executed (0 = unset, 1 = done). */
  readyAt: bigint;
  calls: TimelockCall[];
  salt: Hex;
};

/** An operation's calls and salt (from its CallScheduled and CallSalt events) and its state now. */
export async function readOperation(parameters: {
  publicClient: Pick<PublicClient, 'readContract' | 'getContractEvents'>;
  timelock: Address;
  operationId: Hex;
  fromBlock?: bigint;
}): Promise<OperationInfo> {
  const { publicClient, timelock, operationId } = parameters;
  const fromBlock = parameters.fromBlock ?? 0n;
  const [scheduled, salts, state, readyAt] = await Promise.all([
    publicClient.getContractEvents({
      address: timelock,
      abi: pythiaTimelockAbi,
      eventName: 'CallScheduled',
      args: { id: operationId },
      fromBlock,
    }),
    publicClient.getContractEvents({
      address: timelock,
      abi: pythiaTimelockAbi,
      eventName: 'CallSalt',
      args: { id: operationId },
      fromBlock,
    }),
    publicClient.readContract({ address: timelock, abi: pythiaTimelockAbi, functionName: 'getOperationState', args: [operationId] }),
    publicClient.readContract({ address: timelock, abi: pythiaTimelockAbi, functionName: 'getTimestamp', args: [operationId] }),
  ]);
  const calls = scheduled
    .map((e) => e.args as { index: bigint; target: Address; value: bigint; data: Hex })
    .sort((a, b) => (a.index < b.index ? -1 : 1))
    .map((a) => ({ target: a.target, value: a.value, data: a.data }));
  const salt = (salts.at(-1)?.args as { salt?: Hex } | undefined)?.salt ?? zeroHash;
  return { operationId, state: (['unset', 'waiting', 'ready', 'done'] as const)[state] ?? 'unset', readyAt, calls, salt };
}

/** Executes a ready operation (executor), from its calls and salt. */
export function executeOperation(
  parameters: Context & { calls: readonly TimelockCall[]; salt: Hex },
): Promise<SendContractTransactionReturnType> {
  const { clients, account, address: timelock, calls, salt } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address: timelock,
    abi: pythiaTimelockAbi,
    functionName: 'executeBatch',
    args: [calls.map((c) => c.target), calls.map((c) => c.value), calls.map((c) => c.data), zeroHash, salt],
  });
}

/**
 * Schedules `calls` and, when the timelock's delay is 0 (a local deployment), executes them at once;
 * otherwise returns the scheduled operation for a later `executeOperation`.
 */
export async function governedCalls(
  parameters: Context & { calls: readonly TimelockCall[] },
): Promise<ScheduledOperation & { executed: SendContractTransactionReturnType | null }> {
  const scheduled = await scheduleOperation(parameters);
  if (scheduled.delay !== 0n) return { ...scheduled, executed: null };
  const executed = await executeOperation({ ...parameters, calls: scheduled.calls, salt: scheduled.salt });
  return { ...scheduled, executed };
}

/** The ids of operations scheduled on the timelock, oldest first (one per CallScheduled index 0). */
export async function listOperations(parameters: {
  publicClient: Pick<PublicClient, 'getContractEvents'>;
  timelock: Address;
  fromBlock?: bigint;
}): Promise<Hex[]> {
  const logs = await parameters.publicClient.getContractEvents({
    address: parameters.timelock,
    abi: pythiaTimelockAbi,
    eventName: 'CallScheduled',
    fromBlock: parameters.fromBlock ?? 0n,
  });
  return [...new Set(parseEventLogs({ abi: pythiaTimelockAbi, logs }).map((l) => (l.args as { id: Hex }).id))];
}
