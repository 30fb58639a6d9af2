import type { Address, Hex } from 'viem';
import { deviceOwnershipAbi } from '../contracts/abis.js';
import type { ChainClients } from './clients.js';
import { contractWriter, type SendContractTransactionReturnType, type WriteContext } from './sendContractTransaction.js';

type ReadContext = Pick<ChainClients, 'publicClient'> & { ownership: Address };

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

const send = ({ clients, account, address }: WriteContext) => contractWriter({ clients, account, address }, deviceOwnershipAbi);

/** Offers the device to `to` (the owner; the device must be active). The token moves when `to` accepts. */
export function offerTransfer(parameters: WriteContext & { device: Address; to: Address }): Promise<SendContractTransactionReturnType> {
  return send(parameters)('offerTransfer', [parameters.device, parameters.to]);
}

/** Withdraws the pending offer (the owner). */
export function cancelOffer(parameters: WriteContext & { device: Address }): Promise<SendContractTransactionReturnType> {
  return send(parameters)('cancelOffer', [parameters.device]);
}

/**
 * Accepts the pending offer (the offered party, device still active): the token moves and a new
 * ownership epoch begins, which voids every grant of the previous owner.
 */
export function acceptTransfer(parameters: WriteContext & { device: Address }): Promise<SendContractTransactionReturnType> {
  return send(parameters)('acceptTransfer', [parameters.device]);
}

/** Appoints (`allowed`) or dismisses a manager for the current ownership epoch (the owner). */
export function setManager(
  parameters: WriteContext & { device: Address; manager: Address; allowed: boolean },
): Promise<SendContractTransactionReturnType> {
  return send(parameters)('setManager', [parameters.device, parameters.manager, parameters.allowed]);
}

/**
 * Records the device's own acknowledgement of its owner in `epoch` (signOwnerAcknowledgement);
 * anyone may relay it, normally the device's Pythia.
 */
export function acknowledgeOwner(
  parameters: WriteContext & { device: Address; epoch: bigint | number; signature: Hex },
): Promise<SendContractTransactionReturnType> {
  return send(parameters)('acknowledgeOwner', [parameters.device, BigInt(parameters.epoch), parameters.signature]);
}

export type ReadOwnershipReturnType = {
  device: Address;
  /** null: the device has no token (unknown, or registered before the ownership contract). */
  owner: Address | null;
  /** 0 without a token, 1 from the mint, +1 per completed transfer. */
  epoch: bigint;
  /** The party a pending offer names, or null. */
  pendingOffer: Address | null;
  /** The last epoch the device itself acknowledged (0 = never). */
  acknowledgedEpoch: bigint;
  /** Whether the device acknowledged its current owner. */
  acknowledged: boolean;
};

/** Who owns a device, in which epoch, whether an offer is pending and whether the device acknowledged its owner. */
export async function readOwnership(context: ReadContext, device: Address): Promise<ReadOwnershipReturnType> {
  const read = { address: context.ownership, abi: deviceOwnershipAbi, args: [device] } as const;
  const [owner, epoch, pendingOffer, acknowledgedEpoch] = await Promise.all([
    context.publicClient.readContract({ ...read, functionName: 'ownerOfDevice' }),
    context.publicClient.readContract({ ...read, functionName: 'ownershipEpoch' }),
    context.publicClient.readContract({ ...read, functionName: 'pendingOffer' }),
    context.publicClient.readContract({ ...read, functionName: 'acknowledgedEpoch' }),
  ]);
  return {
    device,
    owner: owner === ZERO_ADDRESS ? null : owner,
    epoch,
    pendingOffer: pendingOffer === ZERO_ADDRESS ? null : pendingOffer,
    acknowledgedEpoch,
    acknowledged: epoch > 0n && acknowledgedEpoch === epoch,
  };
}

/** Whether `account` is the owner or a manager appointed in the current epoch. */
export function isOwnerOrManager(context: ReadContext, device: Address, account: Address): Promise<boolean> {
  return context.publicClient.readContract({
    address: context.ownership,
    abi: deviceOwnershipAbi,
    functionName: 'isOwnerOrManager',
    args: [device, account],
  });
}
