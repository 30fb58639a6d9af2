import type { Command } from 'commander';
import type { Abi, Address, Hex } from 'viem';
import {
  accessLogAbi,
  canaryRegistryAbi,
  consentRegistryAbi,
  deviceIdentityAbi,
  pythiaFleetAbi,
  pythiaRegistryAbi,
} from '../../contracts/abis.js';
import type { Deployment } from '../../chain/deployment.js';
import { executeOperation, governedCalls, listOperations, readOperation, timelockAddress, timelockCall } from '../../chain/timelock.js';
import { formatTime, parseAddressArg, parseBytes32Arg } from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, UsageError, formatTable, printResult, progress } from '../output.js';
import { loadSignerAccount, sendAs } from '../signer.js';

/** The contracts whose roles the timelock administers, by their deployment.json names. */
const GOVERNED: Record<string, Abi> = {
  fleet: pythiaFleetAbi as Abi,
  deviceIdentity: deviceIdentityAbi as Abi,
  pythiaRegistry: pythiaRegistryAbi as Abi,
  consentRegistry: consentRegistryAbi as Abi,
  accessLog: accessLogAbi as Abi,
  canaryRegistry: canaryRegistryAbi as Abi,
};

/** What the timelock's refusals mean, for every command that acts through it. */
export const TIMELOCK_HINTS: Readonly<Record<string, string>> = {
  AccessControlUnauthorizedAccount: 'the signer is not a proposer or executor of the timelock (the admin key, or the council multisig)',
  TimelockUnexpectedOperationState:
    'the operation is not in a state that allows this (see `pythia admin operations`): not ready yet, or done',
  TimelockInsufficientDelay: 'the delay asked is below the timelock minimum',
  AccessControlEnforcedDefaultAdminRules: 'the admin role itself is handed over in two steps (beginDefaultAdminTransfer), never granted',
};

function contractAddress(deployment: Deployment, name: string): { address: Address; abi: Abi } {
  const abi = GOVERNED[name];
  if (!abi) throw new UsageError(`<contract> is one of ${Object.keys(GOVERNED).join(', ')}, got "${name}"`);
  const address = deployment.contracts[name as keyof Deployment['contracts']];
  if (!address) throw new CliError(`this deployment has no ${name}`);
  return { address, abi };
}

function timelockOf(context: CommandContext): Address {
  return timelockAddress(context.deployment);
}

async function roleId(context: CommandContext, address: Address, abi: Abi, role: string): Promise<Hex> {
  if (!/^[A-Z_]{1,64}$/.test(role)) throw new UsageError(`<role> is a role constant such as RELAYER_ROLE, got "${role}"`);
  if (role === 'DEFAULT_ADMIN_ROLE')
    throw new UsageError('the admin role is handed over in two steps, not granted: see docs/operations.md');
  try {
    return (await context.publicClient.readContract({ address, abi, functionName: role } as never)) as Hex;
  } catch {
    throw new CliError(`the contract at ${address} has no ${role}`);
  }
}

/** What every command that goes through the timelock reports of the operation (`--json`). */
export function timelockOperationFields(done: Awaited<ReturnType<typeof governedCalls>>) {
  return {
    operationId: done.operationId,
    delay: Number(done.delay),
    executed: done.executed !== null,
    scheduleTransaction: done.hash,
    executeTransaction: done.executed?.hash ?? null,
  };
}

/** The timelock's getTimestamp: 0 = unset, 1 = done; either is shown as '-'. */
const iso = (seconds: bigint) => (seconds <= 1n ? '-' : formatTime(seconds));

/**
 * `pythia admin`: role changes through the council's timelock (issue #12). A change is scheduled in
 * public and executed once the timelock's delay has passed (at once on a local deployment, whose
 * delay is 0).
 */
export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      "Role changes through the council's timelock: schedule a grant or a revocation, see what is scheduled, execute it once its delay " +
        'has passed (docs/operations.md, "Who holds which role")',
    );

  for (const action of ['grant', 'revoke'] as const) {
    withCommon(
      admin
        .command(action)
        .description(
          `Schedule ${action === 'grant' ? 'granting' : 'revoking'} a role of a contract (the timelock is its admin); executed at once when the delay is 0`,
        )
        .argument('<contract>', `one of ${Object.keys(GOVERNED).join(', ')}`)
        .argument('<role>', 'the role constant, e.g. RELAYER_ROLE, LOGGER_ROLE, ARBITER_ROLE')
        .argument('<account>', 'the account', parseAddressArg('<account>')),
      { signer: 'a proposer key (keystore v3) instead of the admin role key' },
    ).action(async (contract: string, role: string, account: Address, options: CommonOptions) => {
      const context = loadContext(options);
      const { address, abi } = contractAddress(context.deployment, contract);
      const timelock = timelockOf(context);
      const id = await roleId(context, address, abi, role);
      const signer = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'admin', purpose: 'proposer' });
      progress(options, `scheduling ${action} ${role} of ${contract} ${action === 'grant' ? 'to' : 'from'} ${account}...`);
      const call = timelockCall({ address, abi, functionName: action === 'grant' ? 'grantRole' : 'revokeRole', args: [id, account] });
      const done = await sendAs(
        context,
        signer,
        `admin ${action}`,
        () => governedCalls({ clients: context, account: signer, address: timelock, calls: [call] }),
        TIMELOCK_HINTS,
      );
      const readyAt = BigInt(Math.floor(Date.now() / 1000)) + done.delay;
      printResult(options, { ...timelockOperationFields(done), contract, role, account }, () =>
        done.executed
          ? `${role} of ${contract} ${action === 'grant' ? 'granted to' : 'revoked from'} ${account} (transaction ${done.executed.hash})`
          : `scheduled as ${done.operationId}: executable from about ${iso(readyAt)} with \`pythia admin execute ${done.operationId}\``,
      );
    });
  }

  withCommon(
    admin.command('operations').description('Operations scheduled on the timelock, with their state (waiting, ready, done)'),
  ).action(async (options: CommonOptions) => {
    const context = loadContext(options);
    const timelock = timelockOf(context);
    const fromBlock = BigInt(context.deployment.deploymentBlock);
    const ids = await listOperations({ publicClient: context.publicClient, timelock, fromBlock });
    const ops = await Promise.all(
      ids.map((operationId) => readOperation({ publicClient: context.publicClient, timelock, operationId, fromBlock })),
    );
    printResult(
      options,
      ops.map((o) => ({ ...o, readyAt: Number(o.readyAt), calls: o.calls.map((c) => ({ ...c, value: c.value.toString() })) })),
      () =>
        ops.length === 0
          ? 'no operations'
          : formatTable(
              ops.map((o) => ({ operation: o.operationId, state: o.state, ready: iso(o.readyAt), calls: o.calls.length })),
              ['operation', 'state', 'ready', 'calls'],
            ),
    );
  });

  withCommon(
    admin
      .command('execute')
      .description('Execute a scheduled operation once its delay has passed (an executor: the admin key, or the council multisig)')
      .argument('<operationId>', 'the operation (from `pythia admin operations`)', parseBytes32Arg('<operationId>', { nonZero: true })),
    { signer: 'an executor key (keystore v3) instead of the admin role key' },
  ).action(async (operationId: Hex, options: CommonOptions) => {
    const context = loadContext(options);
    const timelock = timelockOf(context);
    const op = await readOperation({
      publicClient: context.publicClient,
      timelock,
      operationId,
      fromBlock: BigInt(context.deployment.deploymentBlock),
    });
    if (op.state === 'unset') throw new CliError(`no operation ${operationId} is scheduled on the timelock`);
    if (op.state === 'done') throw new CliError(`operation ${operationId} was executed already`);
    if (op.state === 'waiting') throw new CliError(`operation ${operationId} is not ready before ${iso(op.readyAt)}`);
    const signer = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'admin', purpose: 'executor' });
    const r = await sendAs(
      context,
      signer,
      'admin execute',
      () => executeOperation({ clients: context, account: signer, address: timelock, calls: op.calls, salt: op.salt }),
      TIMELOCK_HINTS,
    );
    printResult(
      options,
      { operationId, transactionHash: r.hash, blockNumber: r.blockNumber },
      () => `operation ${operationId} executed (transaction ${r.hash})`,
    );
  });
}
