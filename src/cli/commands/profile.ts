import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Address } from 'viem';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { sendContractTransaction } from '../../chain/sendContractTransaction.js';
import { parseProfile, ProfileError } from '../../protocol/profile.js';
import { parseAddressArg, parseIntegerArg } from '../args.js';
import { loadContext, loadRoleAccount } from '../context.js';
import { UsageError, printResult } from '../output.js';

type Target = { class?: number; device?: Address };
type CommonOptions = Target & { dataDir?: string; json?: boolean };

function target(options: Target): { kind: 'class'; classId: number } | { kind: 'device'; device: Address } {
  if ((options.class === undefined) === (options.device === undefined))
    throw new UsageError('give exactly one of --class <id> or --device <id>');
  return options.class !== undefined ? { kind: 'class', classId: options.class } : { kind: 'device', device: options.device! };
}

export function registerProfileCommands(program: Command): void {
  const profile = program.command('profile').description('Expected behaviour of a device class or of one device (operator)');

  profile
    .command('set')
    .description('Set the profile of a class, or a per-device override, from a JSON file')
    .requiredOption('--file <path>', 'profile JSON (fields of docs/protocol.md, "Behaviour profiles")')
    .option('--class <id>', 'device class id', parseIntegerArg('class', 0, 65535))
    .option('--device <id>', 'device id: override the class profile for this device', parseAddressArg)
    .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
    .option('--json', 'machine-readable output')
    .action(async (options: CommonOptions & { file: string }) => {
      const where = target(options);
      let parsed;
      try {
        parsed = parseProfile(JSON.parse(readFileSync(options.file, 'utf8')));
      } catch (error) {
        if (error instanceof ProfileError || error instanceof SyntaxError) throw new UsageError(`${options.file}: ${error.message}`);
        throw new UsageError(`cannot read ${options.file}: ${(error as Error).message}`);
      }
      const context = loadContext(options);
      const account = await loadRoleAccount(context, 'operator');
      const { hash } = await sendContractTransaction({
        clients: context,
        account,
        address: context.deployment.contracts.fleet,
        abi: pythiaFleetAbi,
        functionName: where.kind === 'class' ? 'setClassProfile' : 'setDeviceProfile',
        args: [where.kind === 'class' ? where.classId : where.device, parsed],
      });
      printResult(
        options,
        { ...where, profile: parsed, transactionHash: hash },
        () => `profile set for ${where.kind} ${where.kind === 'class' ? where.classId : where.device} in ${hash}`,
      );
    });

  profile
    .command('show')
    .description('Show the profile of a class, or the profile in force for a device')
    .option('--class <id>', 'device class id', parseIntegerArg('class', 0, 65535))
    .option('--device <id>', 'device id', parseAddressArg)
    .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
    .option('--json', 'machine-readable output')
    .action(async (options: CommonOptions) => {
      const where = target(options);
      const context = loadContext(options);
      const fleet = context.deployment.contracts.fleet;
      const result =
        where.kind === 'class'
          ? await context.publicClient
              .readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'classProfile', args: [where.classId] })
              .then(([profile, version]) => ({ classId: where.classId, version: Number(version), profile: plainProfile(profile) }))
          : await context.publicClient
              .readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'effectiveProfile', args: [where.device] })
              .then(([profile, version, own]) => ({ device: where.device, version: Number(version), own, profile: plainProfile(profile) }));
      if (result.version === 0)
        throw new UsageError(`no profile set for ${where.kind} ${where.kind === 'class' ? where.classId : where.device}`);
      printResult(options, result, () => JSON.stringify(result, null, 2));
    });
}

function plainProfile(profile: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(profile).map(([k, v]) => [k, Array.isArray(v) ? v.map(Number) : typeof v === 'bigint' ? Number(v) : v]),
  );
}
