import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseEventLogs, type Address, type Hex } from 'viem';
import { type DeviceSummary, readDeviceView } from '../../chain/readDevice.js';
import { contractWriter } from '../../chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { deviceIdFromPublicKey } from '../../protocol/deviceId.js';
import { deviceStatusNames } from '../../protocol/reasons.js';
import { createRegistrationRequest } from '../../sdk/createRegistrationRequest.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { saveDeviceKey } from '../../sdk/saveDeviceKey.js';
import { collectText, formatTime, parseAddressArg, parseChoiceArg, parseClassArg, parsePublicKeyArg, parseTextArg } from '../args/index.js';
import { loadContext, loadRoleAccount, type CommandContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, formatFields, UsageError, formatTable, printResult, progress } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { readRegistrationRequests } from '../registrationRequests.js';
import { sendAs } from '../signer.js';
import { recordDeviceMetadata } from '../../chain/deviceMetadata.js';
import { printDeviceStatus, registerDeviceIdentityCommands } from './deviceIdentity.js';

const parseDeviceArg = parseAddressArg('<id>');

export function registerDeviceCommands(program: Command): void {
  const device = program
    .command('device')
    .description('Devices: registration and status (operator), identity (DID, provisioning, key rotation) and ownership transfer');

  withCommon(
    device
      .command('register')
      .description(
        'Register a device by its public key, or devices by registration requests (repeat --request): all in one transaction, ' +
          'all or none. Every request must be for the same class, and the class needs a behaviour profile first',
      )
      .argument('[publicKey]', '64-byte X‖Y or 65-byte uncompressed public key, hex', parsePublicKeyArg('[publicKey]'))
      .option(
        '--request <file>',
        'a registration request JSON produced by the device (proof of possession is checked); repeat for more devices. ' +
          'Its metadata (site, latitude, longitude) is kept in <data dir>/device-metadata.json for the console map, not on chain',
        collectText,
      )
      .option('--class <id>', 'device class id', parseClassArg('class')),
  ).action(async (publicKeyArg: Hex | undefined, options: CommonOptions & { request?: string[]; class?: number }) => {
    if (publicKeyArg && options.request) throw new UsageError('give either a public key or --request, not both');
    const { publicKeys, classId, metadata } = readRegistrationRequests({
      paths: options.request ?? [],
      publicKeys: publicKeyArg ? [publicKeyArg] : [],
      classId: options.class,
    });
    if (publicKeys.length === 0) throw new UsageError('a public key or --request <file> is required');
    if (classId === undefined) throw new UsageError('--class is required');
    const devices = publicKeys.map(deviceIdFromPublicKey);
    const context = loadContext(options);
    const account = await loadRoleAccount(context, 'operator');
    const fleet = contractWriter({ clients: context, account, address: context.deployment.contracts.fleet }, pythiaFleetAbi);
    progress(options, `registering ${devices.join(', ')} in class ${classId}...`);
    const { hash, blockNumber } = await sendAs(context, account, 'device register', () =>
      publicKeys.length === 1 ? fleet('registerDevice', [publicKeys[0]!, classId]) : fleet('registerDevices', [publicKeys, classId]),
    );
    // Sites and locations stay with the node, off chain (docs/console.md, "The map").
    recordDeviceMetadata({ dataDir: context.dataDir, devices: metadata });
    printResult(
      options,
      { ...(devices.length === 1 ? { device: devices[0] } : {}), devices, classId, transactionHash: hash, blockNumber },
      () => `registered ${devices.join(', ')} (class ${classId}) in ${hash}`,
    );
  });

  withCommon(
    device
      .command('keygen')
      .description('On a device (or for one): make a key pair, store it encrypted, and write the registration request for the operator')
      .requiredOption(
        '--key-file <path>',
        'where to write the device key, encrypted (keystore v3; passphrase from PYTHIA_DEVICE_PASSPHRASE or the terminal); must not exist',
      )
      .requiredOption('--request-out <path>', 'where to write the registration request (JSON, safe to share)')
      .requiredOption('--class <id>', 'device class id', parseClassArg('class')),
    { dataDir: false },
  ).action(async (options: { keyFile: string; requestOut: string; class: number; json?: boolean }) => {
    if (existsSync(options.keyFile)) throw new UsageError(`${options.keyFile} exists: refusing to overwrite a device key`);
    const passphrase = await resolvePassphrase('device key', 'device');
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

  withCommon(
    device
      .command('show')
      .description('Status, class, counters and last reading of a device')
      .argument('<id>', 'device id (address)', parseDeviceArg),
  ).action(async (id: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const view = await readDeviceView(context, id);
    if (view.status === 'none') throw new CliError(`unknown device ${id}`);
    printResult(options, view, () => formatDeviceView(view));
  });

  for (const [name, functionName, description] of [
    ['suspend', 'suspendDevice', 'Halt a device: the gateway and the contract refuse its readings'],
    ['reinstate', 'reinstateDevice', 'Let a suspended device report again'],
    ['revoke', 'revokeDevice', 'Ban a device for good: a revoked identity can never submit again'],
  ] as const) {
    const command = device
      .command(name)
      .description(description)
      .argument('<id>', 'device id (address)', parseDeviceArg)
      .requiredOption('--reason <text>', 'why (recorded on chain, 1 to 256 bytes)', parseTextArg('--reason', 256));
    if (name === 'revoke') command.option(...YES_OPTION);
    withCommon(command).action(async (id: Address, options: CommonOptions & ConfirmOptions & { reason: string }) => {
      if (name === 'revoke') await confirmIrreversible(options, 'device revoke', `revoking device ${id}`);
      const context = loadContext(options);
      const account = await loadRoleAccount(context, 'operator');
      const fleet = contractWriter({ clients: context, account, address: context.deployment.contracts.fleet }, pythiaFleetAbi);
      const sent = await sendAs(context, account, `device ${name}`, () => fleet(functionName, [id, options.reason]));
      await printDeviceStatus(context, options, id, sent);
    });
  }

  withCommon(
    device
      .command('list')
      .description('Every registered device with its status (read from the chain)')
      .option(
        '--status <status>',
        `only devices in this status (${deviceStatusNames.slice(1).join(', ')})`,
        parseChoiceArg('--status', deviceStatusNames.slice(1)),
      ),
  ).action(async (options: CommonOptions & { status?: string }) => {
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
  const ids = [...new Set(registered.map((log) => log.args.device))];
  const views = await Promise.all(ids.map((id) => readDeviceView(context, id)));
  return views.map((v) => ({ device: v.device, classId: v.classId, status: v.status, lastSequence: v.lastSequence, flags: v.flags }));
}

/** `device show` for a person: labelled lines, times as times. */
function formatDeviceView(view: DeviceSummary): string {
  const reported = view.lastSequence !== '0';
  return formatFields([
    ['device', view.device],
    ['status', view.status],
    ['class', String(view.classId)],
    ['profile', view.hasOwnProfile ? 'its own (`pythia profile show --device`)' : 'its class’s'],
    ['last sequence', reported ? view.lastSequence : '- (no reading yet)'],
    ['last reading at', reported ? `${formatTime(view.lastTimestamp)} (device clock)` : '-'],
    ['last values', reported ? `${view.lastValues.join(', ')} (raw, as in the payload)` : '-'],
    ['flags', `${view.flags} in all, ${view.flagsInWindow} in the current window`],
    ['suspensions', `${view.autoSuspensions} automatic`],
    ['public key', view.publicKey],
  ]);
}
