import { keccak256, toBytes, type Address, type PublicClient } from 'viem';
import { pythiaFleetAbi, pythiaRegistryAbi } from '../contracts/abis.js';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import type { Profile } from '../protocol/profile.js';
import { deviceStatusNames } from '../protocol/reasons.js';
import { unknownDevice } from './applyReading.js';
import { CannotVerifyError } from './errors.js';
import type { BlockModel, DeviceModel } from './types.js';

export const RELAYER_ROLE = keccak256(toBytes('RELAYER_ROLE'));

/** The node could not give the state of a past block: it is not an archive node, or the block is unknown. */
export class StateUnavailableError extends CannotVerifyError {}

export type ReadFleetStateParameters = {
  client: PublicClient;
  fleet: Address;
  /** The state after this block. */
  blockNumber: bigint;
  devices: readonly Address[];
  /** Class profiles to read besides those of the devices' classes. */
  classes?: readonly number[];
  /** Accounts whose RELAYER_ROLE to read. */
  accounts?: readonly Address[];
  /** false when the fleet has no code yet at this block (its deployment block's parent): everything is empty. */
  deployed?: boolean;
};

type ProfileView = Omit<Profile, 'minValue' | 'maxValue' | 'maxDelta'> & {
  minValue: readonly number[];
  maxValue: readonly number[];
  maxDelta: readonly number[];
};

const plainProfile = (p: ProfileView): Profile => ({
  metricCount: p.metricCount,
  maxPayloadBytes: p.maxPayloadBytes,
  minInterval: p.minInterval,
  maxClockSkew: p.maxClockSkew,
  flagThreshold: p.flagThreshold,
  flagWindow: p.flagWindow,
  suspensionsBeforeRevoke: p.suspensionsBeforeRevoke,
  minValue: [...p.minValue],
  maxValue: [...p.maxValue],
  maxDelta: [...p.maxDelta],
});

/** getDevice of one device at a block, as the verifier models it (its own profile is not read). */
export async function readDeviceModel(client: PublicClient, fleet: Address, device: Address, blockNumber: bigint): Promise<DeviceModel> {
  return (await readDevice(client, fleet, device, blockNumber)).model;
}

async function readDevice(
  client: PublicClient,
  fleet: Address,
  device: Address,
  blockNumber: bigint,
): Promise<{ model: DeviceModel; hasOwnProfile: boolean }> {
  const view = await atBlock(blockNumber, () =>
    client.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'getDevice', args: [device], blockNumber }),
  );
  const status = deviceStatusNames[view.status] ?? 'none';
  if (status === 'none') return { model: unknownDevice(device), hasOwnProfile: false };
  const model: DeviceModel = {
    device,
    status,
    classId: view.classId,
    ownProfile: undefined,
    signer: deviceIdFromPublicKey(view.publicKey),
    lastSequence: view.lastSequence,
    lastTimestamp: view.lastTimestamp,
    lastValues: view.lastValues.length === 0 ? undefined : [...view.lastValues],
    flags: view.flags,
    flagsInWindow: view.flagsInWindow,
    flagWindowStart: view.flagWindowStart,
    autoSuspensions: view.autoSuspensions,
  };
  return { model, hasOwnProfile: view.hasOwnProfile };
}

/**
 * Which of `accounts` the fleet's relayer trust (its Pythia registry, issue #12) refuses at the block;
 * none for a fleet deployed without one (or before it existed). Trust changed by a registry
 * transaction inside the block (a key revoked) is not followed: the verifier then reports a batch it
 * expected to succeed as reverted.
 */
async function untrustedRelayers(
  client: ReadFleetStateParameters['client'],
  fleet: Address,
  accounts: readonly Address[],
  blockNumber: bigint,
): Promise<Set<string>> {
  const untrusted = new Set<string>();
  let trust: Address;
  try {
    trust = await atBlock(blockNumber, () =>
      client.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'relayerTrust', blockNumber }),
    );
  } catch {
    return untrusted;
  }
  if (/^0x0{40}$/i.test(trust)) return untrusted;
  const trusted = await Promise.all(
    accounts.map((account) =>
      atBlock(blockNumber, () =>
        client.readContract({ address: trust, abi: pythiaRegistryAbi, functionName: 'isTrustedRelayer', args: [account], blockNumber }),
      ),
    ),
  );
  accounts.forEach((account, i) => {
    if (!trusted[i]) untrusted.add(account.toLowerCase());
  });
  return untrusted;
}

/**
 * The fleet state the rules read, after `blockNumber`, through eth_call at that block (the node must
 * keep past states: an archive node): each device's record and flag state and current key, the class
 * profiles of their classes, the own profiles of devices that have one, and the relayer role of the
 * given accounts. The contract's inspection itself is never called.
 */
export async function readFleetState(parameters: ReadFleetStateParameters): Promise<BlockModel> {
  const { client, fleet, blockNumber, devices, classes = [], accounts = [], deployed = true } = parameters;
  const model: BlockModel = { devices: new Map(), classProfiles: new Map(), relayers: new Map() };
  if (!deployed) {
    for (const device of devices) model.devices.set(device.toLowerCase(), unknownDevice(device));
    for (const account of accounts) model.relayers.set(account.toLowerCase(), false);
    return model;
  }
  const read = <T>(run: () => Promise<T>) => atBlock(blockNumber, run);
  const [records, roles] = await Promise.all([
    Promise.all(devices.map((device) => readDevice(client, fleet, device, blockNumber))),
    Promise.all(
      accounts.map((account) =>
        read(() =>
          client.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'hasRole', args: [RELAYER_ROLE, account], blockNumber }),
        ),
      ),
    ),
  ]);
  accounts.forEach((account, i) => {
    model.relayers.set(account.toLowerCase(), roles[i]!);
  });
  model.untrustedRelayers = await untrustedRelayers(client, fleet, accounts, blockNumber);
  const classIds = new Set(classes);
  for (const { model: record } of records) if (record.status !== 'none') classIds.add(record.classId);
  const own = records.filter((record) => record.hasOwnProfile).map((record) => record.model);
  const [classProfiles, ownProfiles] = await Promise.all([
    Promise.all(
      [...classIds].map((classId) =>
        read(() =>
          client.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'classProfile', args: [classId], blockNumber }),
        ),
      ),
    ),
    Promise.all(
      own.map((record) =>
        read(() =>
          client.readContract({
            address: fleet,
            abi: pythiaFleetAbi,
            functionName: 'effectiveProfile',
            args: [record.device],
            blockNumber,
          }),
        ),
      ),
    ),
  ]);
  [...classIds].forEach((classId, i) => {
    const [profile, version] = classProfiles[i]!;
    if (version !== 0) model.classProfiles.set(classId, plainProfile(profile));
  });
  own.forEach((record, i) => {
    const [profile, , isOwn] = ownProfiles[i]!;
    if (isOwn) record.ownProfile = plainProfile(profile);
  });
  for (const { model: record } of records) model.devices.set(record.device.toLowerCase(), record);
  return model;
}

async function atBlock<T>(blockNumber: bigint, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const why = ((error as { details?: string }).details ?? (error as Error).message ?? String(error)).split('\n')[0]!;
    const pruned =
      /missing trie node|historical state|state.*(not available|unavailable)|pruned|header not found|block.*out of range/i.test(why);
    throw new StateUnavailableError(
      `cannot read the fleet's state at block ${blockNumber}: ${why}${pruned ? ' — the node must keep the state of past blocks (an archive node, e.g. geth --gcmode archive)' : ''}`,
    );
  }
}
