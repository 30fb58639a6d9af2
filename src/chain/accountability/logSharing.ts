import type { Address, Hex } from 'viem';
import { sharingLogAbi } from '../../contracts/abis.js';
import { requireContractEvent } from '../contractEvent.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { sharingLogCallAbi } from '../callErrors.js';

export type LogSharingParameters = WriteContext & {
  consentId: bigint;
  /** The party the data went to. */
  sharedWith: Address;
  /** A hash of what was shared (e.g. SHA-256 of the exported file). */
  dataHash: Hex;
  /** 1..256 bytes. */
  purpose: string;
};

/** The consent's recipient records an onward share (SharingLog.logSharing); returns the entry id. */
export async function logSharing(parameters: LogSharingParameters): Promise<SendContractTransactionReturnType & { entryId: bigint }> {
  const { clients, account, address, consentId, sharedWith, dataHash, purpose } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: sharingLogCallAbi,
    functionName: 'logSharing',
    args: [consentId, sharedWith, dataHash, purpose],
  });
  const shared = requireContractEvent({
    abi: sharingLogAbi,
    address,
    eventName: 'DataShared',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, entryId: shared.entryId };
}
