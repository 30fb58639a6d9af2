import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { AccountabilityWriteContext } from './writeContext.js';

/** A recipient takes out its unbonded amount once the delay has passed (RecipientBonds.withdraw). */
export function withdrawBond(parameters: AccountabilityWriteContext): Promise<SendContractTransactionReturnType> {
  const { clients, account, address } = parameters;
  return sendContractTransaction({ clients, account, address, abi: recipientBondsAbi, functionName: 'withdraw', args: [] });
}
