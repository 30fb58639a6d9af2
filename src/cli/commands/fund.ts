import { join, relative, resolve, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Address } from 'viem';
import { isIpcEndpoint } from '../../chain/chainTransport.js';
import { MIN_ROLE_BALANCE } from '../../chain/deploy.js';
import type { Deployment } from '../../chain/deployment.js';
import { isNetworkFolder } from '../../network/index.js';
import { parseAddressArg, parseAmount } from '../args/index.js';
import { loadContext, loadRoleAccount } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, formatEth, printResult, progress } from '../output.js';

/** An amount of ETH, with or without its unit: `1`, `0.5`, `2ETH`, `2 eth`. */
export function parseEthAmount(value: string): bigint {
  const number = value.trim().replace(/\s*eth$/i, '');
  try {
    return parseAmount('<amount>', number);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${error.message} (ETH: 1, 0.5, 2ETH)`);
    throw error;
  }
}

/**
 * Whether the node runs its chain itself, so that its admin account holds that chain's money:
 * the embedded Anvil, or its own geth validator in <data-dir>/chain reached by its IPC socket.
 * A partners' network or any --rpc-url chain is someone else's: its money is not the node's to give.
 */
export function nodeRunsItsChain(dataDir: string, deployment: Pick<Deployment, 'embeddedChain' | 'rpcUrl'>): boolean {
  if (deployment.embeddedChain) return true;
  const chainDir = join(dataDir, 'chain');
  if (!isIpcEndpoint(deployment.rpcUrl) || !isNetworkFolder(chainDir)) return false;
  const inside = relative(chainDir, resolve(deployment.rpcUrl));
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

export function registerFundCommand(program: Command): void {
  withCommon(
    program
      .command('fund')
      .description(
        "Send ETH for gas (and bonds, escrows, feeds) to an account, from the node's admin account, on the chain the node runs itself " +
          '(its own geth validator or the embedded Anvil). On a chain the node does not run, says how to fund the account instead',
      )
      .argument('<address>', 'the account to fund (e.g. $(pythia key address owner.json))', parseAddressArg('<address>', { nonZero: true }))
      .argument('<amount>', 'how much, in ETH: 1, 0.5, 2ETH', parseEthAmount),
  ).action(async (address: Address, amount: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const { deployment } = context;
    if (!nodeRunsItsChain(context.dataDir, deployment)) {
      throw new CliError(
        `the node's chain (${deployment.rpcUrl}, chain id ${deployment.chainId}) is not one this node runs: its ETH is not the node's to give. ` +
          `Send ${formatEth(amount)} to ${address} from an account that holds ETH on that chain (a partners' network funds accounts at genesis: ` +
          '`pythia network init --fund-admin-of`; docs/operations.md, "Paying for gas")',
      );
    }
    const admin = await loadRoleAccount(context, 'admin');
    const before = await context.publicClient.getBalance({ address: admin.address });
    // The admin pays for the node's own role changes and tops up the operator and relayer: it keeps what fundRoles needs.
    if (before < amount + MIN_ROLE_BALANCE) {
      throw new CliError(
        `the node's admin account ${admin.address} holds ${formatEth(before)}: sending ${formatEth(amount)} would leave it below ` +
          `the ${formatEth(MIN_ROLE_BALANCE)} the node keeps for its own transactions`,
      );
    }
    progress(options, `sending ${formatEth(amount)} to ${address} from the node's admin account ${admin.address}...`);
    const hash = await context.walletClient(admin).sendTransaction({ to: address, value: amount });
    const receipt = await context.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new CliError(`the transfer ${hash} failed on chain`);
    const balance = await context.publicClient.getBalance({ address, blockNumber: receipt.blockNumber });
    printResult(
      options,
      { address, amount, from: admin.address, balance, transactionHash: hash, blockNumber: receipt.blockNumber },
      () => `sent ${formatEth(amount)} to ${address} (transaction ${hash}); its balance is now ${formatEth(balance)}`,
    );
  });
}
