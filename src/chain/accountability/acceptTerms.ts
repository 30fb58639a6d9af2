import type { Address, Hex, LocalAccount } from 'viem';

import { termsAcceptanceTypedData, type RecipientTerms } from '../../protocol/recipientTerms.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { recipientTermsCallAbi } from '../callErrors.js';
import { readTerms } from './read.js';

export type AcceptTermsParameters = WriteContext & {
  consentId: bigint;
  /**
   * The terms the recipient agreed to (e.g. shown by `pythia consent terms` and confirmed). When
   * given, the call is refused before any transaction if the chain's terms differ in any field;
   * when absent, the chain's terms are read and accepted as they are.
   */
  expected?: RecipientTerms;
};

/** Fields that differ between two sets of terms (empty = the same). */
export function termsDifferences(a: RecipientTerms, b: RecipientTerms): string[] {
  return (Object.keys(a) as (keyof RecipientTerms)[]).filter((k) => String(a[k]).toLowerCase() !== String(b[k]).toLowerCase());
}

/**
 * The consent's recipient (the sender) accepts its terms (RecipientTerms.acceptTerms): from now on its
 * bond is at stake under the consent, up to the accepted penalty, and locked until the consent's last
 * obligation has ended.
 */
export async function acceptTerms(
  parameters: AcceptTermsParameters,
): Promise<SendContractTransactionReturnType & { terms: RecipientTerms }> {
  const { clients, account, address, consentId, expected } = parameters;
  const current = await readTerms({ publicClient: clients.publicClient, address, consentId });
  if (expected) {
    const differ = termsDifferences(expected, current.terms);
    if (differ.length > 0) throw new Error(`the consent's terms on chain differ from the ones given in: ${differ.join(', ')}`);
  }
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: recipientTermsCallAbi,
    functionName: 'acceptTerms',
    args: [current.terms],
  });
  return { ...sent, terms: current.terms };
}

export type SignTermsAcceptanceParameters = {
  /** The recipient's key. */
  account: LocalAccount;
  chainId: number;
  recipientTerms: Address;
  terms: RecipientTerms;
  /** Unix seconds after which the signature is refused. */
  deadline: bigint;
};

/** The recipient signs an EIP-712 TermsAcceptance that anyone may submit (acceptTermsWithSignature). */
export function signTermsAcceptance(parameters: SignTermsAcceptanceParameters): Promise<Hex> {
  const { account, chainId, recipientTerms, terms, deadline } = parameters;
  if (!account.signTypedData) throw new Error('this account cannot sign typed data');
  return account.signTypedData(termsAcceptanceTypedData({ chainId, recipientTerms, terms, deadline }));
}

export type AcceptTermsWithSignatureParameters = WriteContext & {
  terms: RecipientTerms;
  deadline: bigint;
  /** The recipient's 65-byte signature (or what its ERC-1271 wallet accepts). */
  signature: Hex;
};

/** Anyone (the owner, the gateway) submits a recipient's signed acceptance. */
export function acceptTermsWithSignature(parameters: AcceptTermsWithSignatureParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, terms, deadline, signature } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: recipientTermsCallAbi,
    functionName: 'acceptTermsWithSignature',
    args: [terms, deadline, signature],
  });
}
