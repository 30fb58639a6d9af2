import {
  BaseError,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type Log,
} from 'viem';
import type { ChainClients } from './clients.js';

/**
 * What every contract write needs: the chain, the sender and the contract. Each action of
 * `src/chain` takes it plus its own arguments (`grantConsent({ clients, account, address, ... })`).
 */
export type WriteContext = { clients: ChainClients; account: Account; address: Address };

/** The functions of `abi` that change state (those a transaction can call). */
export type WriteFunctionName<abi extends Abi> = ContractFunctionName<abi, 'nonpayable' | 'payable'>;

export type SendContractTransactionParameters<
  abi extends Abi = Abi,
  functionName extends WriteFunctionName<abi> = WriteFunctionName<abi>,
> = WriteContext & {
  abi: abi;
  /** Checked against the ABI by tsc: a misspelt name or wrong arguments do not compile. */
  functionName: functionName;
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
  value?: bigint;
};

export type SendContractTransactionReturnType = { hash: Hash; blockNumber: bigint; logs: Log[] };

/**
 * A contract refused a call: `name` is its custom error, `args` the error's arguments, `hint` what
 * it means to the caller (the CLI adds one per command: what to do about it).
 */
export class ContractRefusal extends Error {
  constructor(
    readonly errorName: string,
    readonly errorArgs: readonly unknown[],
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * Simulates first, so that a refusal comes back as the contract's custom error and costs
 * nothing, then sends and waits for the receipt.
 */
export async function sendContractTransaction<const abi extends Abi, functionName extends WriteFunctionName<abi>>(
  parameters: SendContractTransactionParameters<abi, functionName>,
): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, functionName, value } = parameters;
  // The signature checks the call against the ABI; inside, with the ABI still open, viem's types
  // cannot be resolved, so the body works on the plain ABI the checked call is an instance of.
  const abi: Abi = parameters.abi;
  const args: readonly unknown[] | undefined = parameters.args as readonly unknown[] | undefined;
  try {
    const { request } = await clients.publicClient.simulateContract({ account, address, abi, functionName, args, value });
    const hash = await clients.walletClient(account).writeContract(request);
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted in transaction ${hash}`);
    return { hash, blockNumber: receipt.blockNumber, logs: receipt.logs };
  } catch (error) {
    throw toContractRefusal(error) ?? error;
  }
}

/**
 * sendContractTransaction bound to one sender and contract: `write('suspendDevice', [device, reason])`,
 * each call still checked against the ABI.
 */
export function contractWriter<const abi extends Abi>(context: WriteContext, abi: abi) {
  return <functionName extends WriteFunctionName<abi>>(
    functionName: functionName,
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
  ): Promise<SendContractTransactionReturnType> => sendContractTransaction({ ...context, abi, functionName, args });
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
