import { isAddressEqual, parseEventLogs, type Address, type Hex } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type WriteContext } from '../sendContractTransaction.js';

/** Most consents one revokeAllConsentsOf call walks (ConsentRegistry.MAX_REVOKE_PAGE). */
export const REVOKE_PAGE_SIZE = 32n;

export type RevokeAllConsentsParameters = WriteContext & {
  recipient: Address;
  /** Told after each page (one transaction): what it revoked and how many consents are left to walk. */
  onPage?: (page: { revoked: bigint[]; remaining: bigint; hash: Hex }) => void;
};

export type RevokeAllConsentsReturnType = { recipient: Address; revoked: bigint[]; hashes: Hex[]; blockNumber: bigint };

/**
 * Revokes every consent the sender gave `recipient` that is neither revoked nor expired, one page of
 * at most 32 consents per transaction (so that each fits a block, the revocation hook included),
 * until none is left; returns their ids, newest first.
 */
export async function revokeAllConsents(parameters: RevokeAllConsentsParameters): Promise<RevokeAllConsentsReturnType> {
  const { clients, account, address, recipient } = parameters;
  const revoked: bigint[] = [];
  const hashes: Hex[] = [];
  let blockNumber = 0n;
  for (;;) {
    const sent = await sendContractTransaction({
      clients,
      account,
      address,
      abi: consentRegistryAbi,
      functionName: 'revokeAllConsentsOf',
      args: [recipient, REVOKE_PAGE_SIZE],
    });
    const page = parseEventLogs({
      abi: consentRegistryAbi,
      eventName: 'ConsentRevoked',
      logs: sent.logs.filter((log) => isAddressEqual(log.address, address)),
    }).map((log) => log.args.consentId);
    revoked.push(...page);
    hashes.push(sent.hash);
    blockNumber = sent.blockNumber;
    const remaining = await clients.publicClient.readContract({
      address,
      abi: consentRegistryAbi,
      functionName: 'pendingRevocations',
      args: [account.address, recipient],
      blockNumber: sent.blockNumber,
    });
    parameters.onPage?.({ revoked: page, remaining, hash: sent.hash });
    if (remaining === 0n) return { recipient, revoked, hashes, blockNumber };
  }
}
