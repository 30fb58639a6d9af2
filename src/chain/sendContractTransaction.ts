import { BaseError, ContractFunctionRevertedError, type Abi, type Account, type Address, type Hash } from 'viem';
import type { ChainClients } from './clients.js';

export type SendContractTransactionParameters = {
  clients: ChainClients;
  account: Account;
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  value?: bigint;
};

export type SendContractTransactionReturnType = { hash: Hash; blockNumber: bigint; logs: readonly unknown[] };

/** A contract refused a call: `name` is its custom error, `args` the error's arguments. */
export class ContractRefusal extends Error {
  constructor(
    readonly errorName: string,
    readonly errorArgs: readonly unknown[],
    message: string,
  ) {
    super(message);
  }
}

/**
 * Simulates first, so that a refusal comes back as the contract's custom error and costs
 * nothing, then sends and waits for the receipt.
 */
export async function sendContractTransaction(parameters: SendContractTransactionParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, abi, functionName, args, value } = parameters;
  try {
    const { request } = await clients.publicClient.simulateContract({ account, address, abi, functionName, args, value } as never);
    const hash = await clients.walletClient(account).writeContract(request as never);
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted in transaction ${hash}`);
    return { hash, blockNumber: receipt.blockNumber, logs: receipt.logs };
  } catch (error) {
    throw toContractRefusal(error) ?? error;
  }
}

export function toContractRefusal(error: unknown): ContractRefusal | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  const name = revert.data?.errorName ?? 'revert';
  const errorArgs = (revert.data?.args ?? []) as readonly unknown[];
  const shown = errorArgs.map((a) => (typeof a === 'bigint' ? a.toString() : JSON.stringify(a))).join(', ');
  return new ContractRefusal(name, errorArgs, `contract refused: ${name}(${shown})${revert.reason ? ` ${revert.reason}` : ''}`);
}
