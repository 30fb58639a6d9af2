import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

/** A recipient takes out its unbonded amount once the delay has passed (RecipientBonds.withdraw). */
export function withdrawBond(parameters: WriteContext): Promise<SendContractTransactionReturnType> {
  const { clients, account, address } = parameters;
  return sendContractTransaction({ clients, account, address, abi: recipientBondsAbi, functionName: 'withdraw', args: [] });
}
