import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type RequestBondWithdrawalParameters = WriteContext & {
  /** Wei to unbond: it stops counting as bond at once and can be withdrawn after the unbonding delay. */
  amount: bigint;
};

/** A recipient starts unbonding part of its bond (RecipientBonds.requestWithdrawal). */
export function requestBondWithdrawal(parameters: RequestBondWithdrawalParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, amount } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: recipientBondsAbi,
    functionName: 'requestWithdrawal',
    args: [amount],
  });
}
