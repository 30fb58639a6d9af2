import { resolve } from 'node:path';
import type { Command } from 'commander';
import { getAddress, isAddressEqual, type Address, type Hex } from 'viem';
import {
  assignClassManufacturer,
  provisionDevices,
  readClassManufacturer,
  revokeCompromisedKey,
  rotateDeviceKey,
} from '../../chain/deviceIdentity.js';
import { acceptTransfer, cancelOffer, offerTransfer, readOwnership, type ReadOwnershipReturnType } from '../../chain/deviceOwnership.js';
import { readDeviceView } from '../../chain/readDevice.js';
import { requireContract } from '../../chain/requireContract.js';
import { timelockAddress } from '../../chain/timelock.js';
import { type ResolveDidReturnType, resolveDid, UnknownDeviceDidError } from '../../chain/resolveDid.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import type { DeviceKey } from '../../protocol/deviceId.js';
import { loadDeviceKey } from '../../sdk/loadDeviceKey.js';
import {
  collect,
  collectText,
  parseAddressArg,
  parseClassArg,
  parseDeviceOrDidArg,
  parsePublicKeyArg,
  parseTextArg,
} from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { TIMELOCK_HINTS, timelockOperationFields } from './admin.js';
import { type CommonOptions, withCommon } from '../options.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { CliError, formatFields, UsageError, printResult, progress } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { readRegistrationRequests } from '../registrationRequests.js';
import { loadKeystoreAccount, loadSignerAccount, sendAs } from '../signer.js';

const parseDeviceArg = parseAddressArg('<id>');
const parseReasonArg = parseTextArg('--reason', 256);
/** Who owns a device first, said once for every command that signs as an owner. */
const FIRST_OWNER_NOTE =
  'A device registered with `pythia device register` (the fleet mints its token to msg.sender, the registrar) ' +
  "belongs first to the node's operator key, the default signer; a provisioned device belongs first to its class manufacturer.";

/** After a status change: the device's status now, with the transaction that made it. */
export async function printDeviceStatus(
  context: CommandContext,
  options: CommonOptions,
  device: Address,
  { hash, blockNumber }: { hash: Hex; blockNumber: bigint },
): Promise<void> {
  const view = await readDeviceView(context, device);
  printResult(
    options,
    { device, status: view.status, transactionHash: hash, blockNumber },
    () => `${device} is now ${view.status} (transaction ${hash})`,
  );
}

/** `device did` for a person: what the DID document and Pythia's metadata say, labelled. */
export function formatDid(resolved: ResolveDidReturnType): string {
  const doc = resolved.didDocument;
  const meta = resolved.didDocumentMetadata.pythia;
  const optional = (label: string, value: string | undefined): Array<readonly [string, string]> => (value ? [[label, value]] : []);
  return formatFields([
    ['did', doc.id],
    ['status', `${meta.status}${resolved.didDocumentMetadata.deactivated ? ' (the DID document is deactivated)' : ''}`],
    ['class', String(meta.classId)],
    ['controller', doc.controller ?? '- (no owner)'],
    ['owner', meta.owner ?? '-'],
    [
      'ownership epoch',
      `${meta.ownershipEpoch}, ${meta.ownerAcknowledged ? 'acknowledged by the device' : 'not acknowledged by the device yet'}`,
    ],
    ['signer', `${meta.signer} (key rotations: ${meta.keyRotations})`],
    ['public key', meta.publicKey],
    ...optional('previous signers', meta.previousSigners?.join(', ')),
    ['manufacturer', meta.manufacturer ?? '- (registered by an operator, without provenance)'],
    ...optional('registrar', meta.registrar),
    ['verification', doc.verificationMethod.map((method) => `${method.id} (${method.type})`).join(', ')],
    ['service', doc.service?.map((s) => `${s.serviceEndpoint} (${s.type})`).join(', ') ?? '-'],
    ['at block', meta.blockNumber],
  ]);
}

function formatOwnership(state: ReadOwnershipReturnType): string {
  const rows: [string, string][] = [
    ['device', state.device],
    ['owner', state.owner ?? '-'],
    ['epoch', state.epoch.toString()],
    ['pendingOffer', state.pendingOffer ?? '-'],
    ['acknowledgedEpoch', state.acknowledgedEpoch === 0n ? 'never' : state.acknowledgedEpoch.toString()],
    ['acknowledged', state.acknowledged ? 'yes: the device signed that this owner is its owner' : 'no (not yet for this epoch)'],
  ];
  return rows.map(([k, v]) => `${k.padEnd(18)} ${v}`).join('\n');
}

async function ownershipOf(context: CommandContext, device: Address): Promise<ReadOwnershipReturnType> {
  return readOwnership({ publicClient: context.publicClient, ownership: requireContract(context.deployment, 'deviceOwnership') }, device);
}

/** Reads a device keystore (a device's own key: --old-key, --new-key). */
async function loadDeviceKeyFile(path: string, what: string): Promise<DeviceKey> {
  const passphrase = await resolvePassphrase(what, 'device');
  try {
    return await loadDeviceKey(path, passphrase);
  } catch (error) {
    throw new CliError(`cannot open the ${what} ${path}: ${(error as Error).message}`);
  }
}

export function registerDeviceIdentityCommands(device: Command): void {
  const withSigner = (command: Command, who: string) =>
    withCommon(command, { signer: `sign as ${who} with this keystore (v3) instead of the node's operator key` });

  withCommon(
    device
      .command('did')
      .summary('Print the DID document of a device (did:pythia), resolved from the chain')
      .description(
        'Resolve the DID document of a device (did:pythia:<chainId>:<deviceId>) from the chain: keys, controller (owner), ' +
          'service endpoint, and Pythia metadata (status, class, provenance, ownership epoch, key rotations); --json prints the W3C ' +
          'DID resolution result',
      )
      .argument('<id>', 'device id (address) or its did:pythia DID', parseDeviceOrDidArg('<id>')),
  ).action(async (id: { device: Address; chainId?: number }, options: CommonOptions) => {
    const context = loadContext(options);
    if (id.chainId !== undefined && id.chainId !== context.deployment.chainId) {
      throw new UsageError(`the DID names chain ${id.chainId}, but this node's chain is ${context.deployment.chainId}`);
    }
    const identity = requireContract(context.deployment, 'deviceIdentity');
    let resolved: Awaited<ReturnType<typeof resolveDid>>;
    try {
      resolved = await resolveDid(
        {
          publicClient: context.publicClient,
          identity,
          fleet: context.deployment.contracts.fleet,
          fromBlock: BigInt(context.deployment.deploymentBlock),
        },
        id.device,
      );
    } catch (error) {
      if (error instanceof UnknownDeviceDidError) throw new CliError(`unknown device ${id.device} (${error.message})`);
      throw error;
    }
    printResult(options, resolved, () => formatDid(resolved));
  });

  withCommon(
    device
      .command('owner')
      .summary("Owner, ownership epoch, pending offer, and the device's acknowledgement")
      .description("A device's owner, ownership epoch, pending transfer offer, and whether the device acknowledged its owner")
      .argument('<id>', 'device id (address)', parseDeviceArg),
  ).action(async (id: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const state = await ownershipOf(context, id);
    if (state.owner === null) {
      const view = await readDeviceView(context, id);
      throw new CliError(
        view.status === 'none' ? `unknown device ${id}` : `${id} has no ownership token (registered before the ownership contract)`,
      );
    }
    printResult(options, state, () => formatOwnership(state));
  });

  withSigner(
    device
      .command('transfer')
      .summary('Offer a device to a new owner (owner signs)')
      .description(
        `Offer a device to a new owner (the owner signs; the device must be active). The token moves when the recipient runs \`pythia device accept\`. ${FIRST_OWNER_NOTE}`,
      )
      .argument('<id>', 'device id (address)', parseDeviceArg)
      .requiredOption('--to <address>', 'the new owner (address)', parseAddressArg('--to', { nonZero: true })),
    'the owner',
  ).action(async (id: Address, options: CommonOptions & { to: Address }) => {
    const context = loadContext(options);
    const ownership = requireContract(context.deployment, 'deviceOwnership');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner' });
    if (isAddressEqual(account.address, options.to)) throw new UsageError('--to is the signer itself');
    progress(options, `offering ${id} to ${options.to}...`);
    const { hash, blockNumber } = await sendAs(context, account, 'device transfer', () =>
      offerTransfer({ clients: context, account, address: ownership, device: id, to: options.to }),
    );
    printResult(
      options,
      { device: id, owner: account.address, pendingOffer: options.to, transactionHash: hash, blockNumber },
      () =>
        `offered ${id} to ${options.to} (transaction ${hash}); they accept with \`pythia device accept ${id} --signer-key <their keystore>\``,
    );
  });

  withSigner(
    device
      .command('cancel-transfer')
      .summary('Withdraw a pending transfer offer (owner signs)')
      .description(`Withdraw a pending transfer offer (the owner signs). ${FIRST_OWNER_NOTE}`)
      .argument('<id>', 'device id (address)', parseDeviceArg),
    'the owner',
  ).action(async (id: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const ownership = requireContract(context.deployment, 'deviceOwnership');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner' });
    const { hash, blockNumber } = await sendAs(context, account, 'device cancel-transfer', () =>
      cancelOffer({ clients: context, account, address: ownership, device: id }),
    );
    printResult(
      options,
      { device: id, pendingOffer: null, transactionHash: hash, blockNumber },
      () => `withdrew the offer of ${id} (transaction ${hash})`,
    );
  });

  withSigner(
    device
      .command('accept')
      .summary('Accept a device offered to you (recipient signs)')
      .description(
        'Accept a transfer offered to you (the recipient signs; the device must still be active): the token moves, a new ownership ' +
          'epoch begins, and everything the previous owner granted stops applying. The device acknowledges its new owner when it next talks to its Pythia',
      )
      .argument('<id>', 'device id (address)', parseDeviceArg),
    'the recipient',
  ).action(async (id: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const ownership = requireContract(context.deployment, 'deviceOwnership');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'recipient' });
    progress(options, `accepting ${id} as ${account.address}...`);
    const { hash, blockNumber } = await sendAs(context, account, 'device accept', () =>
      acceptTransfer({ clients: context, account, address: ownership, device: id }),
    );
    const state = await ownershipOf(context, id);
    printResult(
      options,
      { device: id, owner: state.owner, epoch: state.epoch, transactionHash: hash, blockNumber },
      () => `${id} now belongs to ${state.owner} (ownership epoch ${state.epoch}, transaction ${hash})`,
    );
  });

  withSigner(
    device
      .command('rotate-key')
      .summary("Rotate a device's key: old and new key sign, owner sends")
      .description(
        "Replace a device's key: the current key and the new key both sign the rotation, the owner sends it. The device id stays; " +
          `its readings must be signed by the new key from then on. ${FIRST_OWNER_NOTE}`,
      )
      .argument('<id>', 'device id (address)', parseDeviceArg)
      .requiredOption('--old-key <keystore>', "the device's current key (keystore v3)")
      .requiredOption('--new-key <keystore>', 'the new device key (keystore v3, e.g. from `pythia device keygen`)'),
    'the owner',
  ).action(async (id: Address, options: CommonOptions & { oldKey: string; newKey: string }) => {
    if (resolve(options.oldKey) === resolve(options.newKey)) throw new UsageError('--old-key and --new-key are the same file');
    const context = loadContext(options);
    const identity = requireContract(context.deployment, 'deviceIdentity');
    const oldKey = await loadDeviceKeyFile(options.oldKey, 'old device key');
    const newKey = await loadDeviceKeyFile(options.newKey, 'new device key');
    if (isAddressEqual(oldKey.deviceId, newKey.deviceId)) throw new UsageError('--old-key and --new-key hold the same key');
    const currentSigner = await context.publicClient.readContract({
      address: context.deployment.contracts.fleet,
      abi: pythiaFleetAbi,
      functionName: 'deviceSigner',
      args: [id],
    });
    if (BigInt(currentSigner) === 0n) throw new CliError(`unknown device ${id}`);
    if (!isAddressEqual(currentSigner, oldKey.deviceId)) {
      throw new CliError(`--old-key (${oldKey.deviceId}) is not the current key of ${id} (its readings are signed by ${currentSigner})`);
    }
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner' });
    progress(options, `rotating the key of ${id} to ${newKey.deviceId}...`);
    const { hash, blockNumber, nonce } = await sendAs(context, account, 'device rotate-key', () =>
      rotateDeviceKey({ clients: context, account, address: identity, device: id, oldKey, newKey }),
    );
    printResult(
      options,
      {
        device: id,
        previousSigner: oldKey.deviceId,
        signer: newKey.deviceId,
        rotation: (nonce + 1n).toString(),
        transactionHash: hash,
        blockNumber,
      },
      () => `${id} now signs with ${newKey.deviceId} (rotation ${nonce + 1n}, transaction ${hash})`,
    );
  });

  withSigner(
    device
      .command('revoke-key')
      .summary('Revoke a device whose key is compromised (owner or operator)')
      .description(
        "Revoke a device whose key is compromised, for good (its owner, or an operator: the node's operator key holds the identity " +
          "contract's OPERATOR_ROLE). Its DID document becomes deactivated",
      )
      .argument('<id>', 'device id (address)', parseDeviceArg)
      .requiredOption('--reason <text>', 'why (recorded on chain, 1 to 256 bytes)', parseReasonArg)
      .option(...YES_OPTION),
    'the owner or an operator',
  ).action(async (id: Address, options: CommonOptions & ConfirmOptions & { reason: string }) => {
    await confirmIrreversible(options, 'device revoke-key', `revoking the key of device ${id}`);
    const context = loadContext(options);
    const identity = requireContract(context.deployment, 'deviceIdentity');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner or operator' });
    const { hash, blockNumber } = await sendAs(context, account, 'device revoke-key', () =>
      revokeCompromisedKey({ clients: context, account, address: identity, device: id, reason: options.reason }),
    );
    await printDeviceStatus(context, options, id, { hash, blockNumber });
  });

  withCommon(
    device
      .command('provision')
      .summary("Provision devices under a manufacturer's signature (bulk)")
      .description(
        'Manufacturer provisioning: sign each device key with the class manufacturer key (EIP-712 DeviceProvenance) and register ' +
          'them all in one transaction, all or nothing. The manufacturer becomes their first owner; each device keeps the signature as its provenance',
      )
      .argument(
        '[publicKeys...]',
        'device public keys: 64-byte X‖Y or 65-byte uncompressed, hex',
        collect(parsePublicKeyArg('[publicKeys...]')),
      )
      .requiredOption('--manufacturer-key <keystore>', 'the manufacturer key assigned to the class (keystore v3)')
      .requiredOption('--class <id>', 'device class id', parseClassArg('class'))
      .option(
        '--request <file>',
        'a registration request from `pythia device keygen` (proof of possession checked); repeat for more',
        collectText,
      ),
    { signer: 'send (and pay gas) with this keystore instead of the manufacturer key' },
  ).action(
    async (
      publicKeys: Hex[] | undefined,
      options: CommonOptions & { manufacturerKey: string; class: number; request?: string[]; signerKey?: string },
    ) => {
      const { publicKeys: keys } = readRegistrationRequests({
        paths: options.request ?? [],
        publicKeys: publicKeys ?? [],
        classId: options.class,
      });
      if (keys.length === 0) throw new UsageError('give at least one device: --request <file> or a public key');
      const context = loadContext(options);
      const identity = requireContract(context.deployment, 'deviceIdentity');
      const manufacturer = await loadKeystoreAccount(options.manufacturerKey, 'manufacturer key');
      const assigned = await readClassManufacturer({ publicClient: context.publicClient, identity }, options.class);
      if (!assigned) {
        throw new CliError(
          `class ${options.class} has no manufacturer: an operator assigns it with \`pythia manufacturer assign ${options.class} ${manufacturer.address}\``,
        );
      }
      if (!isAddressEqual(assigned, manufacturer.address)) {
        throw new CliError(`class ${options.class} belongs to manufacturer ${assigned}, not to --manufacturer-key ${manufacturer.address}`);
      }
      const account = options.signerKey ? await loadKeystoreAccount(options.signerKey, 'signer key') : manufacturer;
      progress(
        options,
        `provisioning ${keys.length} device${keys.length === 1 ? '' : 's'} of class ${options.class} under ${manufacturer.address}...`,
      );
      const result = await sendAs(context, account, 'device provision', () =>
        provisionDevices({
          clients: context,
          account,
          address: identity,
          classId: options.class,
          publicKeys: keys,
          manufacturerKey: manufacturer.privateKey,
        }),
      );
      printResult(
        options,
        {
          classId: options.class,
          manufacturer: manufacturer.address,
          devices: result.devices.map(({ device, signature }) => ({ device, provenanceSignature: signature })),
          transactionHash: result.hash,
          blockNumber: result.blockNumber,
        },
        () =>
          [
            `provisioned in ${result.hash}:`,
            ...result.devices.map(({ device }) => `  ${device} (class ${options.class}, owner ${manufacturer.address})`),
          ].join('\n'),
      );
    },
  );
}

/** `pythia manufacturer ...`: which manufacturer provisions each device class (the council, through its timelock). */
export function registerManufacturerCommands(program: Command): void {
  const manufacturer = program.command('manufacturer').description('Device class manufacturers: who may provision devices of each class');

  withCommon(
    manufacturer
      .command('assign')
      .description(
        "Assign a device class to a manufacturer's account through the council's timelock (it decides who provisions " +
          "the class's devices and publishes its firmware). Scheduled by a proposer (the node's admin key by default) and executed " +
          'at once when the delay is 0 (a local deployment); otherwise executed later with `pythia admin execute <operationId>`',
      )
      .argument('<class>', 'device class id', parseClassArg('class'))
      .argument('<address>', "the manufacturer's account", parseAddressArg('the manufacturer', { nonZero: true })),
    { signer: "sign with this keystore (a proposer of the council's timelock, e.g. the multisig's signer) instead of the admin key" },
  ).action(async (classId: number, address: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const identity = requireContract(context.deployment, 'deviceIdentity');
    const timelock = timelockAddress(context.deployment);
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'admin', purpose: 'proposer' });
    progress(options, `scheduling the assignment of class ${classId} to ${address} on the timelock...`);
    const done = await sendAs(
      context,
      account,
      'manufacturer assign',
      () => assignClassManufacturer({ clients: context, account, identity, timelock, classId, manufacturer: address }),
      TIMELOCK_HINTS,
    );
    printResult(options, { classId, manufacturer: getAddress(address), ...timelockOperationFields(done) }, () =>
      done.executed
        ? `class ${classId} is now provisioned by ${address} (through the timelock, transaction ${done.executed.hash})`
        : `scheduled as ${done.operationId}: class ${classId} goes to ${address} once the timelock's delay (${done.delay} s) has passed ` +
          `and \`pythia admin execute ${done.operationId}\` runs`,
    );
  });

  withCommon(
    manufacturer
      .command('show')
      .description('The manufacturer a device class is assigned to')
      .argument('<class>', 'device class id', parseClassArg('class')),
  ).action(async (classId: number, options: CommonOptions) => {
    const context = loadContext(options);
    const identity = requireContract(context.deployment, 'deviceIdentity');
    const assigned = await readClassManufacturer({ publicClient: context.publicClient, identity }, classId);
    printResult(options, { classId, manufacturer: assigned }, () => `class ${classId}: ${assigned ?? 'no manufacturer'}`);
  });
}
