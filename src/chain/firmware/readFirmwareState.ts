import type { Address, PublicClient } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { updatePolicyNames, type UpdatePolicyName } from '../../protocol/firmwareTypedData.js';

export type FirmwareState = {
  device: Address;
  /** Sequence of the release the device last reported installed (0 = none). */
  installedSequence: bigint;
  /** Nonce of the device's last accepted report: the next report needs a higher one. */
  lastNonce: bigint;
  /** The current owner's policy (a transfer resets it to approve-each). */
  policy: UpdatePolicyName;
  /** Ids of the device's open paid-update escrows. */
  openEscrows: bigint[];
};

export type ReadFirmwareStateParameters = {
  publicClient: Pick<PublicClient, 'readContract'>;
  registry: Address;
  device: Address;
  blockNumber?: bigint;
};

/** A device's firmware state on the registry, read at one block. */
export async function readFirmwareState(parameters: ReadFirmwareStateParameters): Promise<FirmwareState> {
  const { publicClient, registry, device } = parameters;
  const at = parameters.blockNumber === undefined ? {} : { blockNumber: parameters.blockNumber };
  const base = { address: registry, abi: firmwareRegistryAbi, args: [device], ...at } as const;
  const [[installedSequence, lastNonce], policy, openEscrows] = await Promise.all([
    publicClient.readContract({ ...base, functionName: 'installedFirmware' }),
    publicClient.readContract({ ...base, functionName: 'updatePolicy' }),
    publicClient.readContract({ ...base, functionName: 'openEscrows' }),
  ]);
  return { device, installedSequence, lastNonce, policy: updatePolicyNames[policy] ?? 'approve-each', openEscrows: [...openEscrows] };
}

export type FirmwareClass = {
  classId: number;
  keys: Address[];
  threshold: number;
  /** 0 = no release keys yet. */
  keysVersion: bigint;
  latestSequence: bigint;
  maxSequenceStep: bigint;
  maxManifestAge: number;
  payee: Address;
};

/** A class's release keys, threshold, bounds and payee. */
export async function readFirmwareClass(
  parameters: Omit<ReadFirmwareStateParameters, 'device'> & { classId: number },
): Promise<FirmwareClass> {
  const { publicClient, registry, classId } = parameters;
  const v = await publicClient.readContract({ address: registry, abi: firmwareRegistryAbi, functionName: 'getClass', args: [classId] });
  return {
    classId,
    keys: [...v.keys],
    threshold: v.threshold,
    keysVersion: v.keysVersion,
    latestSequence: v.latestSequence,
    maxSequenceStep: v.maxSequenceStep,
    maxManifestAge: v.maxManifestAge,
    payee: v.payee,
  };
}
