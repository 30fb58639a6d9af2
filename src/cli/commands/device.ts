import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseEventLogs, type Address, type Hex } from 'viem';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { sendContractTransaction } from '../../chain/sendContractTransaction.js';
import { deviceIdFromPublicKey } from '../../protocol/deviceId.js';
import { createRegistrationRequest, generateDeviceKey, saveDeviceKey, verifyRegistrationRequest } from '../../sdk/index.js';
import { resolvePassphrase } from '../passphrase.js';
import { parseAddressArg, parseIntegerArg, parsePublicKeyArg } from '../args.js';
import { loadContext, loadRoleAccount, type CommandContext } from '../context.js';
import { CliError, UsageError, formatTable, printResult, progress } from '../output.js';
import { readDeviceView } from '../../chain/readDevice.js';
import { deviceStatusNames } from '../../protocol/reasons.js';
import { registerDeviceIdentityCommands } from './deviceIdentity.js';

type CommonOptions = { dataDir?: string; json?: boolean };

export function registerDeviceCommands(program: Command): void {
  const device = program
    .command('device')
    .description('Devices: registration and status (operator), identity (DID, provisioning, key rotation) and ownership transfer');

  device
    .command('register')
    .description('Register a device by its public key (or a registration request file from the device SDK)')
    .argument('[publicKey]', '64-byte X‖Y or 65-byte uncompressed public key, hex', parsePublicKeyArg)
    .option('--request <file>', 'registration request JSON produced by the device (proof of possession is checked)')
    .option('--class <id>', 'device class id', parseIntegerArg('class', 0, 65535))
    .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
    .option('--json', 'machine-readable output')
    .action(async (publicKeyArg: Hex | undefined, options: CommonOptions & { request?: string; class?: number }) => {
      let publicKey = publicKeyArg;
      let classId = options.class;
      if (options.request) {
        if (publicKey) throw new UsageError('give either a public key or --request, not both');
        const request = readRegistrationRequest(options.request);
        publicKey = request.publicKey;
        classId ??= request.classId;
        if (request.classId !== classId) throw new UsageError(`--class ${classId} contradicts the request's class ${request.classId}`);
      }
      if (!publicKey) throw new UsageError('a public key or --request <file> is required');
      if (classId === undefined) throw new UsageError('--class is required');
      const context = loadContext(options);
      const account = await loadRoleAccount(context, 'operator');
      const deviceId = deviceIdFromPublicKey(publicKey);
      progress(options, `registering ${deviceId} in class ${classId}...`);
      const { hash, blockNumber } = await sendContractTransaction({
        clients: context,
        account,
        address: context.deployment.contracts.fleet,
        abi: pythiaFleetAbi,
        functionName: 'registerDevice',
        args: [publicKey, classId],
      });
      printResult(
        options,
        { device: deviceId, classId, transactionHash: hash, blockNumber },
        () => `registered ${deviceId} (class ${classId}) in ${hash}`,
      );
    });

  device
    .command('keygen')
    .description('On a device (or for one): make a key pair, store it encrypted, and write the registration request for the operator')
    .requiredOption('--key-file <path>', 'where to write the encrypted device key (keystore v3); must not exist')
    .requiredOption('--request-out <path>', 'where to write the registration request (JSON, safe to share)')
    .requiredOption('--class <id>', 'device class id', parseIntegerArg('class', 0, 65535))
    .option('--json', 'machine-readable output')
    .action(async (options: { keyFile: string; requestOut: string; class: number; json?: boolean }) => {
      if (existsSync(options.keyFile)) throw new UsageError(`${options.keyFile} exists: refusing to overwrite a device key`);
      const passphrase = await resolvePassphrase('device key');
      const key = generateDeviceKey();
      await saveDeviceKey(options.keyFile, key, passphrase);
      const request = createRegistrationRequest(key, { classId: options.class });
      writeFileSync(options.requestOut, `${JSON.stringify(request, null, 2)}\n`);
      printResult(
        options,
        { device: key.deviceId, publicKey: key.publicKey, keyFile: options.keyFile, request: options.requestOut },
        () => `device ${key.deviceId}: key in ${options.keyFile}, registration request in ${options.requestOut}`,
      );
    });

  device
    .command('show')
    .description('Status, class, counters and last reading of a device')
    .argument('<id>', 'device id (address)', parseAddressArg)
    .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
    .option('--json', 'machine-readable output')
    .action(async (id: Address, options: CommonOptions) => {
      const context = loadContext(options);
      const view = await readDeviceView(context, id);
      if (view.status === 'none') throw new CliError(`unknown device ${id}`);
      printResult(options, view, () =>
        Object.entries(view)
          .map(([k, v]) => `${k.padEnd(16)} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
          .join('\n'),
      );
    });

  for (const [name, functionName, description] of [
    ['suspend', 'suspendDevice', 'Halt a device: the gateway and the contract refuse its readings'],
    ['reinstate', 'reinstateDevice', 'Let a suspended device report again'],
    ['revoke', 'revokeDevice', 'Ban a device for good: a revoked identity can never submit again'],
  ] as const) {
    device
      .command(name)
      .description(description)
      .argument('<id>', 'device id (address)', parseAddressArg)
      .requiredOption('--reason <text>', 'why (recorded on chain)')
      .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
      .option('--json', 'machine-readable output')
      .action(async (id: Address, options: CommonOptions & { reason: string }) => {
        if (options.reason.trim().length === 0 || options.reason.length > 256) throw new UsageError('--reason must be 1 to 256 characters');
        const context = loadContext(options);
        const account = await loadRoleAccount(context, 'operator');
        const { hash, blockNumber } = await sendContractTransaction({
          clients: context,
          account,
          address: context.deployment.contracts.fleet,
          abi: pythiaFleetAbi,
          functionName,
          args: [id, options.reason],
        });
        const view = await readDeviceView(context, id);
        printResult(
          options,
          { device: id, status: view.status, transactionHash: hash, blockNumber },
          () => `${id} is now ${view.status} (${hash})`,
        );
      });
  }

  device
    .command('list')
    .description('Every registered device with its status (read from the chain)')
    .option('--status <status>', `only devices in this status (${deviceStatusNames.slice(1).join(', ')})`)
    .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
    .option('--json', 'machine-readable output')
    .action(async (options: CommonOptions & { status?: string }) => {
      if (options.status && !deviceStatusNames.slice(1).includes(options.status as never)) {
        throw new UsageError(`--status must be one of ${deviceStatusNames.slice(1).join(', ')}`);
      }
      const context = loadContext(options);
      const devices = await listDevices(context);
      const rows = options.status ? devices.filter((d) => d.status === options.status) : devices;
      printResult(options, rows, () =>
        rows.length === 0 ? 'no devices' : formatTable(rows, ['device', 'classId', 'status', 'lastSequence', 'flags']),
      );
    });

  registerDeviceIdentityCommands(device);
}

async function listDevices(context: CommandContext) {
  const logs = await context.publicClient.getLogs({
    address: context.deployment.contracts.fleet,
    fromBlock: BigInt(context.deployment.deploymentBlock),
    toBlock: 'latest',
  });
  const registered = parseEventLogs({ abi: pythiaFleetAbi, logs, eventName: 'DeviceRegistered' });
  const ids = [...new Set(registered.map((log) => (log.args as { device: Address }).device))];
  const views = await Promise.all(ids.map((id) => readDeviceView(context, id)));
  return views.map((v) => ({ device: v.device, classId: v.classId, status: v.status, lastSequence: v.lastSequence, flags: v.flags }));
}

function readRegistrationRequest(path: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read registration request ${path}: ${(error as Error).message}`);
  }
  try {
    return verifyRegistrationRequest(raw as never);
  } catch (error) {
    throw new UsageError(`registration request ${path} refused: ${(error as Error).message}`);
  }
}
