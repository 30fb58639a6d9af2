import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Address } from 'viem';
import { contractWriter } from '../../chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { airQualityProfile } from '../../protocol/airQuality.js';
import { parseProfile, ProfileError, type Profile } from '../../protocol/profile.js';
import { parseAddressArg, parseChoiceArg, parseClassArg } from '../args/index.js';
import { loadContext, loadRoleAccount } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { formatFields, formatTable, printResult, UsageError } from '../output.js';
import { sendAs } from '../signer.js';

type Target = { class?: number; device?: Address };

/**
 * Profiles that ship with Pythia, by name: `air-quality` is the one the simulated fleet is built
 * for (src/protocol/airQuality.ts), the same as docs/examples/air-quality-profile.json.
 */
export const profilePresets: Readonly<Record<string, Profile>> = { 'air-quality': airQualityProfile };

/** The profile of --file or --preset (exactly one): a bad file is a usage error with its reason. */
function profileOf(options: { file?: string; preset?: string }): Profile {
  if ((options.file === undefined) === (options.preset === undefined))
    throw new UsageError('give exactly one of --file <path> or --preset <name>');
  if (options.preset !== undefined) return profilePresets[options.preset]!;
  const file = options.file!;
  try {
    return parseProfile(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    if (error instanceof ProfileError || error instanceof SyntaxError) throw new UsageError(`${file}: ${error.message}`);
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function target(options: Target): { kind: 'class'; classId: number } | { kind: 'device'; device: Address } {
  if ((options.class === undefined) === (options.device === undefined))
    throw new UsageError('give exactly one of --class <id> or --device <id>');
  return options.class !== undefined ? { kind: 'class', classId: options.class } : { kind: 'device', device: options.device! };
}

export function registerProfileCommands(program: Command): void {
  const profile = program.command('profile').description('Expected behaviour of a device class or of one device (operator)');

  withCommon(
    profile
      .command('set')
      .description('Set the profile of a class, or a per-device override, from a JSON file or a preset')
      .option(
        '--file <path>',
        'profile JSON (fields of docs/protocol.md, "Behaviour profiles"; example: docs/examples/air-quality-profile.json)',
      )
      .option(
        '--preset <name>',
        `a profile that ships with Pythia: ${Object.keys(profilePresets).join(', ')} (the simulated fleet's sensors)`,
        parseChoiceArg('--preset', Object.keys(profilePresets)),
      )
      .option('--class <id>', 'device class id', parseClassArg('class'))
      .option('--device <id>', 'device id: override the class profile for this device', parseAddressArg('--device')),
  ).action(async (options: CommonOptions & Target & { file?: string; preset?: string }) => {
    const where = target(options);
    const parsed = profileOf(options);
    const context = loadContext(options);
    const account = await loadRoleAccount(context, 'operator');
    const fleet = contractWriter({ clients: context, account, address: context.deployment.contracts.fleet }, pythiaFleetAbi);
    const { hash } = await sendAs(context, account, 'profile set', () =>
      where.kind === 'class' ? fleet('setClassProfile', [where.classId, parsed]) : fleet('setDeviceProfile', [where.device, parsed]),
    );
    printResult(
      options,
      { ...where, profile: parsed, transactionHash: hash },
      () => `profile set for ${where.kind} ${where.kind === 'class' ? where.classId : where.device} in ${hash}`,
    );
  });

  withCommon(
    profile
      .command('show')
      .description('Show the profile of a class, or the profile in force for a device')
      .option('--class <id>', 'device class id', parseClassArg('class'))
      .option('--device <id>', 'device id', parseAddressArg('--device')),
  ).action(async (options: CommonOptions & Target) => {
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
    printResult(options, result, () => formatProfile(result));
  });
}

function plainProfile(profile: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(profile).map(([k, v]) => [k, Array.isArray(v) ? v.map(Number) : typeof v === 'bigint' ? Number(v) : v]),
  );
}

/** `profile show` for a person: each rule with its unit, then the bounds of each metric. */
export function formatProfile(
  result: { version: number; profile: Record<string, unknown> } & ({ classId: number } | { device: Address; own: boolean }),
): string {
  const p = result.profile as Profile;
  const whose =
    'classId' in result
      ? `class ${result.classId}`
      : `device ${result.device} (${result.own ? 'its own profile' : 'the profile of its class'})`;
  const fields = formatFields([
    ['profile', `${whose}, version ${result.version}`],
    ['metrics', `${p.metricCount} per reading`],
    ['payload', `at most ${p.maxPayloadBytes} bytes`],
    ['min interval', `${p.minInterval} s between two readings`],
    ['max clock skew', `${p.maxClockSkew} s ahead of the block time`],
    ['suspended after', p.flagThreshold === 0 ? 'never (no flag threshold)' : `${p.flagThreshold} flags within ${p.flagWindow} s`],
    ['revoked after', p.suspensionsBeforeRevoke === 0 ? 'never' : `${p.suspensionsBeforeRevoke} automatic suspensions`],
  ]);
  const metrics = formatTable(
    p.minValue.map((min, i) => ({ metric: i, min, max: p.maxValue[i], 'max change': p.maxDelta[i] })),
    ['metric', 'min', 'max', 'max change'],
  );
  return `${fields}\n\nbounds per metric, in the raw units of the payload (int16; the class defines the scale):\n${metrics}`;
}
