import { parseEventLogs, type Hex } from 'viem';
import { canaryRegistryAbi } from '../../contracts/abis.js';
import type { DeliveryProof } from '../../protocol/deliveryBatch.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

/** Most commitments per transaction (CanaryRegistry.MAX_BATCH). */
export const MAX_CANARY_BATCH = 256;

export type CommitCanariesParameters = WriteContext & {
  /**
   * Each canary's commitment (src/protocol/canary.ts canaryCommitment) and the proof that the
   * delivery which carried it was logged (src/protocol/deliveryBatch.ts deliveryProof, against the
   * batch it was logged in): the batch must be in the AccessLog already, or the canary is refused.
   */
  canaries: readonly { commitment: Hex; delivery: DeliveryProof }[];
};

/**
 * A trusted Pythia's relayer (COMMITTER_ROLE) commits the canaries it gave recipients, in
 * transactions of at most MAX_CANARY_BATCH; returns one result per transaction with the commitments
 * refused there (zero, repeated, or naming a delivery the AccessLog never recorded).
 */
export async function commitCanaries(
  parameters: CommitCanariesParameters,
): Promise<(SendContractTransactionReturnType & { refused: Hex[] })[]> {
  const { clients, account, address, canaries } = parameters;
  if (canaries.length === 0) throw new Error('no canaries to commit');
  const sent: (SendContractTransactionReturnType & { refused: Hex[] })[] = [];
  for (let i = 0; i < canaries.length; i += MAX_CANARY_BATCH) {
    const batch = canaries.slice(i, i + MAX_CANARY_BATCH);
    const result = await sendContractTransaction({
      clients,
      account,
      address,
      abi: canaryRegistryAbi,
      functionName: 'commitCanaries',
      args: [batch.map((c) => c.commitment), batch.map((c) => c.delivery)],
    });
    const refused = parseEventLogs({ abi: canaryRegistryAbi, eventName: 'CanaryRefused', logs: result.logs as never }).map(
      (log) => log.args.commitment,
    );
    sent.push({ ...result, refused });
  }
  return sent;
}
