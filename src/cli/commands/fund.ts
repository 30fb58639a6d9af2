import { join, relative, resolve, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Address } from 'viem';
import { isIpcEndpoint } from '../../chain/chainTransport.js';
import { MIN_ROLE_BALANCE } from '../../chain/deploy.js';
import type { Deployment } from '../../chain/deployment.js';
import { isNetworkFolder } from '../../network/index.js';
import { parseAddressArg, parseAmount } from '../args/index.js';
import { loadContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, formatEth, printResult, progress } from '../output.js';
import { loadSignerAccount, sendAs } from '../signer.js';

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
 * Whether the node runs its chain itself, so that its role accounts (the operator's pays) hold that chain's money:
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
        "Send ETH for gas (and bonds, escrows, feeds) to an account: from the node's operator account, on the chain the node runs itself " +
          "(its own geth validator or the embedded Anvil), or from any account's own key file (--signer-key) on any chain. " +
          'Without --signer-key on a chain the node does not run, says how to fund the account instead',
      )
      .argument('<address>', 'the account to fund (e.g. $(pythia key address owner.json))', parseAddressArg('<address>', { nonZero: true }))
      .argument('<amount>', 'how much, in ETH: 1, 0.5, 2ETH', parseEthAmount),
    {
      signer:
        "pay from this account's key file (keystore v3, passphrase from PYTHIA_KEY_PASSPHRASE) instead of the node's operator account",
    },
  ).action(async (address: Address, amount: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const { deployment } = context;
    const own = options.signerKey !== undefined;
    if (!own && !nodeRunsItsChain(context.dataDir, deployment)) {
      throw new CliError(
        `the node's chain (${deployment.rpcUrl}, chain id ${deployment.chainId}) is not one this node runs: its ETH is not the node's to give. ` +
          `Send ${formatEth(amount)} to ${address} from an account that holds ETH on that chain (--signer-key <its key file>; a partners' network funds accounts at genesis: ` +
          '`pythia network init --fund-admin-of`; docs/operations.md, "Paying for gas")',
      );
    }
    // Least privilege: a transfer needs only an account that holds ETH. The node's operator account
    // (funded at genesis like every role) pays, so the admin key — the timelock's proposer and
    // executor, governance, arbiter — stays locked; or the payer's own key file does.
    const payer = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'payer' });
    const before = await context.publicClient.getBalance({ address: payer.address });
    // The operator pays for its own transactions (registering devices, profiles, suspensions): it keeps what fundRoles gives a role.
    const kept = own ? 0n : MIN_ROLE_BALANCE;
    if (before < amount + kept) {
      throw new CliError(
        own
          ? `the payer ${payer.address} holds ${formatEth(before)}: it cannot send ${formatEth(amount)}`
          : `the node's operator account ${payer.address} holds ${formatEth(before)}: sending ${formatEth(amount)} would leave it below ` +
              `the ${formatEth(MIN_ROLE_BALANCE)} the node keeps for its own transactions`,
      );
    }
    const who = own ? `the payer ${payer.address}` : `the node's operator account ${payer.address}`;
    progress(options, `sending ${formatEth(amount)} to ${address} from ${who}...`);
    const hash = await sendAs(context, payer, 'fund', () => context.walletClient(payer).sendTransaction({ to: address, value: amount }));
    const receipt = await context.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new CliError(`the transfer ${hash} failed on chain`);
    const balance = await context.publicClient.getBalance({ address, blockNumber: receipt.blockNumber });
    printResult(
      options,
      { address, amount, from: payer.address, balance, transactionHash: hash, blockNumber: receipt.blockNumber },
      () => `sent ${formatEth(amount)} to ${address} from ${who} (transaction ${hash}); its balance is now ${formatEth(balance)}`,
    );
  });
}
