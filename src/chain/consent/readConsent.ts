import type { Address, Hex, PublicClient } from 'viem';
import { consentRegistryAbi, deviceOwnershipAbi } from '../../contracts/abis.js';

export type ConsentStatus = 'live' | 'revoked' | 'expired' | 'not-yet-valid' | 'ownership-changed';

export type ConsentDevice = {
  device: Address;
  /** The device's ownership epoch at grant time. */
  epoch: bigint;
  /** Its epoch now: the consent applies to the device only while the two are equal. */
  currentEpoch: bigint;
};

export type ConsentRecord = {
  consentId: bigint;
  owner: Address;
  recipient: Address;
  grantedBy: Address;
  streams: number;
  commands: number;
  policyId: Hex;
  purpose: string;
  purposeHash: Hex;
  termsHash: Hex;
  start: bigint;
  expiry: bigint;
  grantedAt: bigint;
  /** null while not revoked. */
  revokedAt: bigint | null;
  devices: ConsentDevice[];
  /** The grant transaction. */
  transactionHash: Hex;
  blockNumber: bigint;
  /** live, or the first reason it is not: revoked, expired, not yet valid, every device changed hands. */
  status: ConsentStatus;
  /** Block (and its time) the status was read at. */
  checkedAt: { blockNumber: bigint; timestamp: bigint };
};

export type ReadConsentParameters = {
  publicClient: Pick<PublicClient, 'readContract' | 'getContractEvents' | 'getBlock'>;
  registry: Address;
  consentId: bigint;
  /** Where to look for the grant event (the deployment block). Default 0. */
  fromBlock?: bigint;
  /** Read at this block; default the latest. */
  blockNumber?: bigint;
};

/** One consent with its purpose, devices and status, read at one block (reverts UnknownConsent). */
export async function readConsent(parameters: ReadConsentParameters): Promise<ConsentRecord> {
  const { publicClient, registry, consentId, fromBlock = 0n } = parameters;
  const block = await publicClient.getBlock(parameters.blockNumber === undefined ? {} : { blockNumber: parameters.blockNumber });
  const at = { blockNumber: block.number };
  const read = { address: registry, abi: consentRegistryAbi, ...at } as const;
  const [stored, [devices, epochs], ownership, events] = await Promise.all([
    publicClient.readContract({ ...read, functionName: 'consent', args: [consentId] }),
    publicClient.readContract({ ...read, functionName: 'consentDevices', args: [consentId] }),
    publicClient.readContract({ ...read, functionName: 'ownership' }),
    publicClient.getContractEvents({
      address: registry,
      abi: consentRegistryAbi,
      eventName: 'ConsentGranted',
      args: { consentId },
      fromBlock,
      toBlock: block.number,
      strict: true,
    }),
  ]);
  const granted = events[0];
  if (!granted) throw new Error(`consent ${consentId}: no ConsentGranted event from block ${fromBlock}`);
  const currentEpochs = await Promise.all(
    devices.map((device) =>
      publicClient.readContract({ address: ownership, abi: deviceOwnershipAbi, functionName: 'ownershipEpoch', args: [device], ...at }),
    ),
  );
  const consentDevices = devices.map((device, i) => ({ device, epoch: BigInt(epochs[i]!), currentEpoch: BigInt(currentEpochs[i]!) }));
  const record = {
    consentId,
    owner: stored.owner,
    recipient: stored.recipient,
    grantedBy: stored.grantedBy,
    streams: stored.streams,
    commands: stored.commands,
    policyId: stored.policyId,
    purpose: granted.args.purpose,
    purposeHash: stored.purposeHash,
    termsHash: stored.termsHash,
    start: stored.start,
    expiry: stored.expiry,
    grantedAt: stored.grantedAt,
    revokedAt: stored.revokedAt === 0n ? null : stored.revokedAt,
    devices: consentDevices,
    transactionHash: granted.transactionHash,
    blockNumber: granted.blockNumber,
    checkedAt: { blockNumber: block.number, timestamp: block.timestamp },
  };
  return { ...record, status: consentStatusOf(record) };
}

/** The status of a consent at `checkedAt.timestamp`, in the order the contract checks. */
export function consentStatusOf(c: Pick<ConsentRecord, 'revokedAt' | 'start' | 'expiry' | 'devices' | 'checkedAt'>): ConsentStatus {
  const now = c.checkedAt.timestamp;
  if (c.revokedAt !== null) return 'revoked';
  if (now < c.start) return 'not-yet-valid';
  if (now >= c.expiry) return 'expired';
  if (!c.devices.some((d) => d.epoch === d.currentEpoch)) return 'ownership-changed';
  return 'live';
}
