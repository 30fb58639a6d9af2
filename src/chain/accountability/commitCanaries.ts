import type { Hex } from 'viem';
import { canaryRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

/** Most commitments per transaction (CanaryRegistry.MAX_BATCH). */
export const MAX_CANARY_BATCH = 256;

export type CommitCanariesParameters = WriteContext & {
  /** Each canary's commitment (src/consent/canary.ts canaryCommitment) and the consent it was given under. */
  canaries: readonly { commitment: Hex; consentId: bigint }[];
};

/**
 * The Pythia gateway (COMMITTER_ROLE) commits the canaries it gave recipients, in transactions of
 * at most MAX_CANARY_BATCH; returns one result per transaction.
 */
export async function commitCanaries(parameters: CommitCanariesParameters): Promise<SendContractTransactionReturnType[]> {
  const { clients, account, address, canaries } = parameters;
  if (canaries.length === 0) throw new Error('no canaries to commit');
  const sent: SendContractTransactionReturnType[] = [];
  for (let i = 0; i < canaries.length; i += MAX_CANARY_BATCH) {
    const batch = canaries.slice(i, i + MAX_CANARY_BATCH);
    sent.push(
      await sendContractTransaction({
        clients,
        account,
        address,
        abi: canaryRegistryAbi,
        functionName: 'commitCanaries',
        args: [batch.map((c) => c.commitment), batch.map((c) => c.consentId)],
      }),
    );
  }
  return sent;
}
