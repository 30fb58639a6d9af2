import type { Address, Hex } from 'viem';
import { canaryRegistryAbi } from '../../contracts/abis.js';
import { canaryCommitment, type CanaryReveal } from '../../protocol/canary.js';
import type { DeliveryEntry } from '../../protocol/recipientTerms.js';
import { requireContractEvent } from '../contractEvent.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { canaryRegistryCallAbi } from '../callErrors.js';

export type ClaimLeakParameters = WriteContext & {
  /** The canary as the gateway made it (its commitment is recomputed from these fields). */
  canary: CanaryReveal;
  /** The logged delivery that carried it (the gateway's canary query returns it with the canary). */
  delivery: DeliveryEntry;
  /** The party the canary value turned up at. */
  leakedTo: Address;
  /** A hash of the evidence (e.g. SHA-256 of the dataset the value was found in). */
  evidenceHash: Hex;
};

export type ClaimLeakReturnType = SendContractTransactionReturnType & {
  commitment: Hex;
  /** The accepted penalty, and what the recipient's bond holds of it until the claim is settled. */
  penalty: bigint;
  held: bigint;
  /** Unix seconds: the recipient may dispute until then; afterwards anyone settles it for the owner. */
  disputeDeadline: bigint;
};

/**
 * The consent's owner claims that a canary turned up at `leakedTo` (CanaryRegistry.claimLeak): the
 * accepted penalty is held from the recipient's bond, not paid, until the claim is settled
 * (settleLeak after the dispute window, or the arbiter's resolveLeak if the recipient disputes).
 */
export async function claimLeak(parameters: ClaimLeakParameters): Promise<ClaimLeakReturnType> {
  const { clients, account, address, canary, delivery, leakedTo, evidenceHash } = parameters;
  const commitment = canaryCommitment(canary);
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: canaryRegistryCallAbi,
    functionName: 'claimLeak',
    args: [canary, delivery, leakedTo, evidenceHash],
  });
  const claimed = requireContractEvent({
    abi: canaryRegistryAbi,
    address,
    eventName: 'LeakClaimed',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, commitment, penalty: claimed.penalty, held: claimed.held, disputeDeadline: BigInt(claimed.disputeDeadline) };
}
