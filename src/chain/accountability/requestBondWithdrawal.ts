import { recipientBondsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { AccountabilityWriteContext } from './writeContext.js';

export type RequestBondWithdrawalParameters = AccountabilityWriteContext & {
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
