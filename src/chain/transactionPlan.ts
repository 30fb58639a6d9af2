import {
  TransactionReceiptNotFoundError,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  isAddressEqual,
  type Abi,
  type Address,
  type ContractConstructorArgs,
  type ContractFunctionArgs,
  type Hash,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from 'viem';
import type { ChainClients } from './clients.js';
import type { WriteFunctionName } from './sendContractTransaction.js';

/**
 * Gas a plan gives a call it cannot estimate (its contract or the state it needs come from an
 * earlier transaction of the same plan, not mined when the plan is signed). The calls of a
 * deployment use 45,000–185,000 (measured on Anvil: grants, schedules and executions of up to five
 * calls, a Pythia key's registration); a call that needs more is given its own `gas`. Unused gas is
 * not paid for.
 */
export const PLANNED_CALL_GAS = 600_000n;
/** Margin on an estimated deployment's gas (the estimate is the least that succeeds on today's state). */
const DEPLOY_GAS_MARGIN_PERCENT = 120n;
/** maxFeePerGas is this many times the base fee (plus the tip): a plan's blocks may raise the base fee. */
const BASE_FEE_HEADROOM = 3n;
/** Without progress for this long, the transactions not yet mined are sent again (a node restarted without them). */
const REBROADCAST_AFTER_MS = 10_000;
/** How long a plan waits for its transactions before it gives up (the next run starts again after them). */
const DEFAULT_TIMEOUT_MS = 300_000;
const POLL_MS = 250;

/** One transaction of a plan: a deployment (no `to`) or a call. */
export type PlannedTransaction = {
  /** What it does, in progress lines and errors ("deploying PythiaFleet", "grantRole on 0x..."). */
  what: string;
  to?: Address;
  data: Hex;
  value?: bigint;
  /** Gas limit; a deployment without it is estimated, a call gets PLANNED_CALL_GAS. */
  gas?: bigint;
  /** A deployment's address (sender and nonce). */
  creates?: Address;
};

export type CreateTransactionPlanParameters = {
  clients: ChainClients;
  account: LocalAccount;
  onProgress?: (step: string) => void;
  /** Default 5 minutes. */
  timeoutMs?: number;
};

export type TransactionPlan = Awaited<ReturnType<typeof createTransactionPlan>>;

/**
 * Transactions of one sender, signed with consecutive nonces and sent without waiting for one
 * another: the chain mines them in nonce order, so a later one may rely on the effect of an earlier
 * one, and a deployment's address is known before it is sent (sender and nonce). A deployment of
 * ~30 transactions then takes the blocks they fill instead of two blocks per transaction.
 *
 * The first nonce is the sender's pending one: a run killed after sending leaves its transactions
 * with the node, and the next run's plan comes after them (their contracts are orphans; nothing of
 * the new plan depends on them).
 */
export async function createTransactionPlan(parameters: CreateTransactionPlanParameters) {
  const { clients, account } = parameters;
  const { publicClient } = clients;
  const progress = parameters.onProgress ?? (() => {});
  const firstNonce = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
  const transactions: PlannedTransaction[] = [];
  const created = new Set<string>();

  return {
    clients,
    account,
    /** The transactions queued so far. */
    get size() {
      return transactions.length;
    },
    /** Whether `address` is a contract this plan deploys (not on chain until the plan is mined). */
    creates(address: Address): boolean {
      return created.has(address.toLowerCase());
    },
    /** Queues a deployment and returns the address it will have. */
    deploy<const abi extends Abi>(name: string, abi: abi, bytecode: Hex, args: ContractConstructorArgs<abi>): Address {
      const nonce = firstNonce + transactions.length;
      const address = getContractAddress({ from: account.address, nonce: BigInt(nonce) });
      // The constructor arguments are checked against the ABI above; viem cannot resolve them again for an open ABI.
      const data = encodeDeployData({ abi: abi as Abi, bytecode, args: args as readonly unknown[] });
      transactions.push({ what: `deploying ${name}`, data, creates: address });
      created.add(address.toLowerCase());
      return address;
    },
    /** Queues a call of `functionName` (checked against the ABI by tsc). */
    call<const abi extends Abi, functionName extends WriteFunctionName<abi>>(
      what: string,
      address: Address,
      abi: abi,
      functionName: functionName,
      args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
    ): void {
      const data = encodeFunctionData({ abi: abi as Abi, functionName, args } as never);
      transactions.push({ what, to: address, data });
    },
    /**
     * Signs and sends every queued transaction (deployments' gas estimated first: nothing is sent if
     * one would fail), without waiting for any; `mined(i)` and `done()` wait.
     */
    async send(): Promise<SentPlan> {
      const list = [...transactions];
      const gas = await Promise.all(
        list.map(async (tx) => {
          if (tx.gas !== undefined) return tx.gas;
          if (tx.to !== undefined) return PLANNED_CALL_GAS;
          const estimate = await publicClient.estimateGas({ account, data: tx.data, ...(tx.value && { value: tx.value }) });
          return (estimate * DEPLOY_GAS_MARGIN_PERCENT) / 100n;
        }),
      );
      const fees = await feesOf(clients);
      const raw: Hex[] = [];
      for (const [i, tx] of list.entries()) {
        raw.push(
          await account.signTransaction({
            chainId: clients.chain.id,
            nonce: firstNonce + i,
            gas: gas[i]!,
            ...fees,
            ...(tx.to && { to: tx.to }),
            data: tx.data,
            ...(tx.value && { value: tx.value }),
          }),
        );
      }
      const hashes: Hash[] = [];
      for (const [i, serializedTransaction] of raw.entries()) {
        const what = `${list[i]!.what} (nonce ${firstNonce + i})`;
        progress(what);
        try {
          hashes.push(await publicClient.sendRawTransaction({ serializedTransaction }));
        } catch (error) {
          throw new Error(`${what}: the node refused it: ${(error as Error).message.split('\n')[0]}`, { cause: error });
        }
      }
      if (list.length > 0) progress(`${list.length} transactions sent; waiting for their blocks`);
      return sentPlan({
        clients,
        account,
        firstNonce,
        transactions: list,
        raw,
        hashes,
        progress,
        timeoutMs: parameters.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
    },
  };
}

export type SentPlan = {
  hashes: Hash[];
  /** Waits until transaction `index` is mined (with every one before it) and checks it succeeded. */
  mined(index: number): Promise<TransactionReceipt>;
  /**
   * Waits for every transaction, then checks each: succeeded, in a block of the canonical chain,
   * and each deployment's code at its address.
   */
  done(): Promise<TransactionReceipt[]>;
};

/** Fees every transaction of a plan gets: room for the base fee to rise over the blocks the plan fills. */
async function feesOf(clients: ChainClients) {
  const { publicClient } = clients;
  const block = await publicClient.getBlock({ blockTag: 'latest' });
  if (block.baseFeePerGas === null || block.baseFeePerGas === undefined) {
    return { type: 'legacy' as const, gasPrice: (await publicClient.getGasPrice()) * BASE_FEE_HEADROOM };
  }
  const maxPriorityFeePerGas = await publicClient.estimateMaxPriorityFeePerGas();
  return { type: 'eip1559' as const, maxFeePerGas: block.baseFeePerGas * BASE_FEE_HEADROOM + maxPriorityFeePerGas, maxPriorityFeePerGas };
}

function sentPlan(input: {
  clients: ChainClients;
  account: LocalAccount;
  firstNonce: number;
  transactions: PlannedTransaction[];
  raw: Hex[];
  hashes: Hash[];
  progress: (step: string) => void;
  timeoutMs: number;
}): SentPlan {
  const { clients, account, firstNonce, transactions, raw, hashes, progress, timeoutMs } = input;
  const { publicClient } = clients;
  let lastCount = firstNonce;
  let lastProgressAt = Date.now();

  /** Waits until the sender's mined nonce passes `nonce`: its transaction and all before it are in a block. */
  async function waitForNonce(nonce: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (lastCount <= nonce) {
      const count = await publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' });
      if (count > lastCount) {
        lastCount = count;
        lastProgressAt = Date.now();
        const mined = Math.min(count - firstNonce, transactions.length);
        if (mined < transactions.length) progress(`${mined} of ${transactions.length} transactions mined`);
        continue;
      }
      if (Date.now() > deadline) {
        const i = lastCount - firstNonce;
        throw new Error(
          `${transactions[i]?.what ?? 'a transaction'} (${hashes[i]}, nonce ${lastCount}) not mined after ${timeoutMs / 1000} s`,
        );
      }
      if (Date.now() - lastProgressAt > REBROADCAST_AFTER_MS) {
        // A node that restarted without its pool: send the rest again (a node that has them says so).
        for (const serializedTransaction of raw.slice(lastCount - firstNonce)) {
          await publicClient.sendRawTransaction({ serializedTransaction }).catch(() => undefined);
        }
        lastProgressAt = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * The receipt of a transaction whose nonce the node already counts as mined: Anvil may answer the
   * count a moment before it serves the block's receipts (seen on the embedded chain), so a missing
   * receipt is asked again until the plan's timeout.
   */
  async function indexedReceipt(hash: Hash): Promise<TransactionReceipt> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await publicClient.getTransactionReceipt({ hash });
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError) || Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function receiptOf(index: number): Promise<TransactionReceipt> {
    const tx = transactions[index]!;
    const hash = hashes[index]!;
    const receipt = await indexedReceipt(hash);
    if (receipt.status !== 'success') throw new Error(`${tx.what} failed in transaction ${hash}`);
    if (tx.creates && !(receipt.contractAddress && isAddressEqual(receipt.contractAddress, tx.creates))) {
      throw new Error(`${tx.what} created ${receipt.contractAddress ?? 'no contract'} in ${hash}, not ${tx.creates}`);
    }
    return receipt;
  }

  return {
    hashes,
    async mined(index) {
      if (index < 0 || index >= transactions.length) throw new RangeError(`no transaction ${index} in this plan`);
      await waitForNonce(firstNonce + index);
      return receiptOf(index);
    },
    async done() {
      if (transactions.length === 0) return [];
      await waitForNonce(firstNonce + transactions.length - 1);
      const receipts = await Promise.all(transactions.map((_, i) => receiptOf(i)));
      // A receipt is no proof on its own (a node that rewound may still index it): its block must be
      // the chain's at that height, and each contract's code must be there now.
      const heights = [...new Set(receipts.map((r) => r.blockNumber))];
      const blocks = await Promise.all(heights.map((blockNumber) => publicClient.getBlock({ blockNumber })));
      for (const receipt of receipts) {
        const block = blocks[heights.indexOf(receipt.blockNumber)]!;
        if (block.hash !== receipt.blockHash) {
          throw new Error(
            `transaction ${receipt.transactionHash} is in block ${receipt.blockHash}, no longer the chain's at ${receipt.blockNumber}`,
          );
        }
      }
      await Promise.all(
        transactions.map(async (tx) => {
          if (!tx.creates) return;
          const code = await publicClient.getCode({ address: tx.creates });
          if (!code || code === '0x') throw new Error(`${tx.what}: no code at ${tx.creates}`);
        }),
      );
      progress(`${transactions.length} transactions mined in ${heights.length} block${heights.length === 1 ? '' : 's'}`);
      return receipts;
    },
  };
}
