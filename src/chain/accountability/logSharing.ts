import { decodeEventLog, type Address, type Hex } from 'viem';
import { sharingLogAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { sharingLogCallAbi } from '../callErrors.js';
import type { AccountabilityWriteContext, RawLog } from './writeContext.js';

export type LogSharingParameters = AccountabilityWriteContext & {
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
  for (const log of sent.logs as RawLog[]) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const event = decodeEventLog({ abi: sharingLogAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'DataShared') return { ...sent, entryId: (event.args as { entryId: bigint }).entryId };
  }
  throw new Error(`logSharing in ${sent.hash} emitted no DataShared`);
}
