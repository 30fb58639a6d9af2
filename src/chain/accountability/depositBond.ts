import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type DepositBondParameters = WriteContext & {
  /** Wei added to the sender's bond. */
  value: bigint;
};

/** A data recipient adds to its bond (RecipientBonds.depositBond). */
export function depositBond(parameters: DepositBondParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, value } = parameters;
  return sendContractTransaction({ clients, account, address, abi: recipientBondsAbi, functionName: 'depositBond', args: [], value });
}
