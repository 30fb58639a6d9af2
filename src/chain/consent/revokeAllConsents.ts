import { parseEventLogs, type Address, type Hex } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type WriteContext } from '../sendContractTransaction.js';

export type RevokeAllConsentsParameters = WriteContext & { recipient: Address };

export type RevokeAllConsentsReturnType = { recipient: Address; revoked: bigint[]; hash: Hex; blockNumber: bigint };

/** Revokes every consent the sender gave `recipient` that is neither revoked nor expired; returns their ids. */
export async function revokeAllConsents(parameters: RevokeAllConsentsParameters): Promise<RevokeAllConsentsReturnType> {
  const { clients, account, address, recipient } = parameters;
  const { hash, blockNumber, logs } = await sendContractTransaction({
    clients,
    account,
    address,
    abi: consentRegistryAbi,
    functionName: 'revokeAllConsentsOf',
    args: [recipient],
  });
  const revoked = parseEventLogs({ abi: consentRegistryAbi, eventName: 'ConsentRevoked', logs }).map((log) => log.args.consentId);
  return { recipient, revoked, hash, blockNumber };
}
