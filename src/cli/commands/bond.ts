import type { Command } from 'commander';
import type { Address } from 'viem';
import { claimPenalty, depositBond, readBond, requestBondWithdrawal, withdrawBond } from '../../chain/accountability/index.js';
import { requireContract } from '../../chain/requireContract.js';
import { formatTime, parseAddressArg, parseAmountArg } from '../args/index.js';
import { loadContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { formatEth, printResult } from '../output.js';
import { loadOwnSignerAccount, sendAs } from '../signer.js';
import { accountabilityRefusalHints } from './accountabilityCommon.js';

const RECIPIENT_KEY = "the data recipient's key (keystore v3); required";

/** What a bond command that signs needs: the bond contract, the signer's own account (--signer-key), and `send` with the accountability hints. */
async function bondSigner(options: CommonOptions, purpose: 'recipient' | 'owner') {
  const context = loadContext(options);
  const address = requireContract(context.deployment, 'recipientBonds');
  const account = await loadOwnSignerAccount(options.signerKey, purpose);
  const send = <T>(what: string, transaction: () => Promise<T>) => sendAs(context, account, what, transaction, accountabilityRefusalHints);
  return { context, address, account, send };
}

export function registerBondCommands(program: Command): void {
  const bond = program
    .command('bond')
    .description(
      "A data recipient's bond: what it stakes to receive data; a proven violation (canary leak, missed deletion) pays the owner from it",
    );

  withCommon(
    bond
      .command('deposit')
      .description("Add to the signer's bond")
      .requiredOption('--value <amount>', 'how much, in ether (e.g. 1.5)', parseAmountArg('--value')),
    { signer: RECIPIENT_KEY },
  ).action(async (options: CommonOptions & { value: bigint }) => {
    const { context, address, account, send } = await bondSigner(options, 'recipient');
    const { hash, blockNumber } = await send('bond deposit', () =>
      depositBond({ clients: context, account, address, value: options.value }),
    );
    const state = await readBond({ publicClient: context.publicClient, address, recipient: account.address });
    printResult(
      options,
      { recipient: account.address, deposited: options.value, bond: state.bond, transactionHash: hash, blockNumber },
      () => `${formatEth(options.value)} deposited: ${account.address} has a bond of ${formatEth(state.bond)} (transaction ${hash})`,
    );
  });

  withCommon(
    bond
      .command('withdraw-request')
      .description(
        'Start unbonding: the amount stops counting as bond at once and can be withdrawn once the obligations of every consent ' +
          'whose terms you accepted have ended (`pythia bond show`: locked until)',
      )
      .requiredOption('--amount <amount>', 'how much, in ether', parseAmountArg('--amount')),
    { signer: RECIPIENT_KEY },
  ).action(async (options: CommonOptions & { amount: bigint }) => {
    const { context, address, account, send } = await bondSigner(options, 'recipient');
    const { hash, blockNumber } = await send('bond withdraw-request', () =>
      requestBondWithdrawal({ clients: context, account, address, amount: options.amount }),
    );
    const state = await readBond({ publicClient: context.publicClient, address, recipient: account.address });
    printResult(
      options,
      { recipient: account.address, pending: state.pending, availableAt: Number(state.availableAt), transactionHash: hash, blockNumber },
      () => `${formatEth(state.pending)} unbonding, withdrawable from ${formatTime(state.availableAt)} (transaction ${hash})`,
    );
  });

  withCommon(bond.command('withdraw').description('Take out the unbonded amount once the bond is no longer locked'), {
    signer: RECIPIENT_KEY,
  }).action(async (options: CommonOptions) => {
    const { context, address, account, send } = await bondSigner(options, 'recipient');
    const before = await readBond({ publicClient: context.publicClient, address, recipient: account.address });
    const { hash, blockNumber } = await send('bond withdraw', () => withdrawBond({ clients: context, account, address }));
    printResult(
      options,
      { recipient: account.address, withdrawn: before.pending, transactionHash: hash, blockNumber },
      () => `${formatEth(before.pending)} withdrawn to ${account.address} (transaction ${hash})`,
    );
  });

  withCommon(bond.command('claim').description('Owner: take out penalties credited to the signer because a direct payment to it failed'), {
    signer: "the owner's key (keystore v3); required",
  }).action(async (options: CommonOptions) => {
    const { context, address, account, send } = await bondSigner(options, 'owner');
    const before = await readBond({ publicClient: context.publicClient, address, recipient: account.address });
    const { hash, blockNumber } = await send('bond claim', () => claimPenalty({ clients: context, account, address }));
    printResult(
      options,
      { owner: account.address, claimed: before.claimable, transactionHash: hash, blockNumber },
      () => `${formatEth(before.claimable)} of penalties paid to ${account.address} (transaction ${hash})`,
    );
  });

  withCommon(
    bond
      .command('show')
      .description("A recipient's bond, pending withdrawal, holds for contested claims, lock and penalty credit")
      .argument('<address>', 'the recipient (or owner, for its credit)', parseAddressArg('<address>')),
  ).action(async (recipient: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const state = await readBond({
      publicClient: context.publicClient,
      address: requireContract(context.deployment, 'recipientBonds'),
      recipient,
    });
    printResult(options, { ...state, availableAt: Number(state.availableAt), lockedUntil: Number(state.lockedUntil) }, () =>
      [
        `recipient        ${recipient}`,
        `bond             ${formatEth(state.bond)}`,
        `unbonding        ${state.pending === 0n ? '-' : `${formatEth(state.pending)} (withdrawable from ${formatTime(state.availableAt)})`}`,
        `held             ${state.held === 0n ? '-' : `${formatEth(state.held)} (contested leak claims)`}`,
        `locked until     ${state.lockedUntil === 0n ? '- (no accepted obligations)' : `${formatTime(state.lockedUntil)} (the last obligation of an accepted consent)`}`,
        `penalty credit   ${state.claimable === 0n ? '-' : formatEth(state.claimable)}`,
      ].join('\n'),
    );
  });
}
