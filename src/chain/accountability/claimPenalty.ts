import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

/** An owner whose account refused a penalty payment pulls it (RecipientBonds.claimPenalty). */
export function claimPenalty(parameters: WriteContext): Promise<SendContractTransactionReturnType> {
  const { clients, account, address } = parameters;
  return sendContractTransaction({ clients, account, address, abi: recipientBondsAbi, functionName: 'claimPenalty', args: [] });
}
