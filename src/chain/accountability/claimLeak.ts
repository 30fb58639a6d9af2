import type { Address, Hex } from 'viem';
import { canaryRegistryAbi } from '../../contracts/abis.js';
import { canaryCommitment, type CanaryReveal } from '../../protocol/canary.js';
import { contractEvent } from '../contractEvent.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { canaryRegistryCallAbi } from '../callErrors.js';

export type ClaimLeakParameters = WriteContext & {
  /** The canary as the gateway made it (its commitment is recomputed from these fields). */
  canary: CanaryReveal;
  /** The party the canary value turned up at. */
  leakedTo: Address;
  /** A hash of the evidence (e.g. SHA-256 of the dataset the value was found in). */
  evidenceHash: Hex;
};

/**
 * The consent's owner reveals a canary found at a party the recipient never logged a share to
 * (CanaryRegistry.claimLeak); returns the penalty due and what the bond paid.
 */
export async function claimLeak(
  parameters: ClaimLeakParameters,
): Promise<SendContractTransactionReturnType & { commitment: Hex; penalty: bigint; paid: bigint }> {
  const { clients, account, address, canary, leakedTo, evidenceHash } = parameters;
  const commitment = canaryCommitment(canary);
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: canaryRegistryCallAbi,
    functionName: 'claimLeak',
    args: [
      commitment,
      canary.recipient,
      canary.consentId,
      canary.device,
      canary.stream,
      canary.value,
      canary.sequence,
      canary.salt,
      leakedTo,
      evidenceHash,
    ],
  });
  const attributed = contractEvent({ abi: canaryRegistryAbi, address, eventName: 'LeakAttributed', logs: sent.logs });
  if (attributed) return { ...sent, commitment, penalty: attributed.penalty, paid: attributed.paid };
  throw new Error(`claimLeak in ${sent.hash} emitted no LeakAttributed`);
}
