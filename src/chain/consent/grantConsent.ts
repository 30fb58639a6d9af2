import { zeroHash, type Address, type Hex } from 'viem';
import { contractEvent } from '../contractEvent.js';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type WriteContext } from '../sendContractTransaction.js';

export type GrantConsentParameters = WriteContext & {
  recipient: Address;
  devices: readonly Address[];
  /** Bit i = metric i of the device profile (src/protocol/consentScope.ts). */
  streams: number;
  /** Bit c = command code c of the catalogue. */
  commands: number;
  purpose: string;
  /** A published policy version; default none (zero). */
  policyId?: Hex;
  /** Unix seconds; default (0) = from the grant's block. */
  start?: bigint;
  /** Unix seconds, exclusive. */
  expiry: bigint;
  /** Grant for this owner as its grant agent (grantConsentFor). */
  onBehalfOf?: Address;
};

export type GrantConsentReturnType = { consentId: bigint; termsHash: Hex; hash: Hex; blockNumber: bigint };

/** Grants a consent over devices the sender owns (or, as a grant agent, that `onBehalfOf` owns). */
export async function grantConsent(parameters: GrantConsentParameters): Promise<GrantConsentReturnType> {
  const { clients, account, address, onBehalfOf } = parameters;
  const terms = {
    recipient: parameters.recipient,
    devices: [...parameters.devices],
    streams: parameters.streams,
    commands: parameters.commands,
    policyId: parameters.policyId ?? zeroHash,
    start: parameters.start ?? 0n,
    expiry: parameters.expiry,
  };
  const { hash, blockNumber, logs } = await sendContractTransaction({
    clients,
    account,
    address,
    abi: consentRegistryAbi,
    functionName: onBehalfOf ? 'grantConsentFor' : 'grantConsent',
    args: onBehalfOf ? [onBehalfOf, terms, parameters.purpose] : [terms, parameters.purpose],
  });
  const granted = contractEvent({ abi: consentRegistryAbi, address, eventName: 'ConsentGranted', logs });
  if (!granted) throw new Error(`grantConsent: no ConsentGranted event in ${hash}`);
  return { consentId: granted.consentId, termsHash: granted.termsHash, hash, blockNumber };
}
