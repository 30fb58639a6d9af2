import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { AccountabilityWriteContext } from './writeContext.js';

/** An owner whose account refused a penalty payment pulls it (RecipientBonds.claimPenalty). */
export function claimPenalty(parameters: AccountabilityWriteContext): Promise<SendContractTransactionReturnType> {
  const { clients, account, address } = parameters;
  return sendContractTransaction({ clients, account, address, abi: recipientBondsAbi, functionName: 'claimPenalty', args: [] });
}
