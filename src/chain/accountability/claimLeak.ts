import { decodeEventLog, type Address, type Hex } from 'viem';
import { canaryRegistryAbi } from '../../contracts/abis.js';
import { canaryCommitment, type CanaryReveal } from '../../protocol/canary.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { canaryRegistryCallAbi } from '../callErrors.js';
import type { AccountabilityWriteContext, RawLog } from './writeContext.js';

export type ClaimLeakParameters = AccountabilityWriteContext & {
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
  for (const log of sent.logs as RawLog[]) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const event = decodeEventLog({ abi: canaryRegistryAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'LeakAttributed') {
      const args = event.args as { penalty: bigint; paid: bigint };
      return { ...sent, commitment, penalty: args.penalty, paid: args.paid };
    }
  }
  throw new Error(`claimLeak in ${sent.hash} emitted no LeakAttributed`);
}
